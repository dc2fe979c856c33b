"""The demo's HTML transcript draws Slack mrkdwn and Block Kit readably and safely."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.demo.transcript import Transcript
from bot.demo.transcript_html import entry_anchor, transcript_page

AT = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
NAMES = {"U1": "Gareth Lloyd", "C1": "#Northgate (team channel)"}


def page_with(message: dict, user_id: str = "U1", shape: str = "message") -> str:
    transcript = Transcript(dict(NAMES))
    transcript.add(user_id, AT, "direct message", message, shape)
    return transcript_page(transcript, "Demo")


def test_mrkdwn_becomes_html_with_names_dates_and_links():
    page = page_with(
        {
            "text": "*Book* _soon_ with <@U1> by <!date^1797508800^{date_long_pretty}|Tuesday "
            "15 December 2026>, see <https://example.org/a_b_c|the guide> ~old~ `code`\n"
            "&gt; a quote &amp; more"
        }
    )
    assert "<b>Book</b> <i>soon</i>" in page
    assert '<span class="mention">@Gareth Lloyd</span>' in page
    assert '<time class="date">Tuesday 15 December 2026</time>' in page
    assert '<a href="https://example.org/a_b_c">the guide</a>' in page  # no italics in the URL
    assert "<s>old</s> <code>code</code>" in page
    assert "<blockquote>a quote &amp; more</blockquote>" in page


def test_text_from_people_is_escaped_never_markup():
    page = page_with({"text": "&lt;script&gt;alert(1)&lt;/script&gt;"})
    assert "<script>" not in page and "&lt;script&gt;" in page
    page = page_with(
        {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "<b>"}}]}
    )
    assert '<div class="header">&lt;b&gt;</div>' in page


def test_blocks_and_forms_are_drawn_with_their_controls():
    message = {
        "blocks": [
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": "*Case*\nCR-1"}],
                "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
            {"type": "divider"},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": "Go"},
                    }
                ],
            },
        ]
    }
    page = page_with(message)
    assert '<div class="field"><b>Case</b><br>CR-1</div>' in page
    assert (
        '<span class="btn ">Open</span>' in page and '<span class="btn primary">Go</span>' in page
    )
    assert '<div class="context"><span>small print</span></div>' in page and "<hr>" in page
    view = {
        "title": {"type": "plain_text", "text": "Book discussion"},
        "submit": {"type": "plain_text", "text": "Book"},
        "blocks": [
            {
                "type": "input",
                "optional": True,
                "label": {"type": "plain_text", "text": "Date"},
                "element": {"type": "datepicker", "initial_date": "2026-12-15"},
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Method"},
                "element": {
                    "type": "radio_buttons",
                    "initial_option": {
                        "value": "phone",
                        "text": {"type": "plain_text", "text": "Phone"},
                    },
                    "options": [
                        {"value": "visit", "text": {"type": "plain_text", "text": "Visit"}},
                        {"value": "phone", "text": {"type": "plain_text", "text": "Phone"}},
                    ],
                },
            },
        ],
    }
    page = page_with(view, shape="view")
    assert '<div class="title">Book discussion</div>' in page
    assert 'Date <span class="optional">(optional)</span>' in page and "📅 2026-12-15" in page
    assert "○ Visit" in page and "◉ Phone" in page
    assert '<span class="btn primary">Book</span>' in page


def test_each_person_has_a_section_by_day_and_each_entry_an_anchor():
    transcript = Transcript(dict(NAMES))
    transcript.add("U1", AT, "direct message", {"text": "first"}, "message")
    transcript.add("C1", AT, "channel post", {"text": "3 audits"}, "message")
    transcript.add("U1", AT.replace(day=2), "direct message", {"text": "second"}, "message")
    page = transcript_page(transcript, "Demo")
    assert '<section class="person" id="U1"><h2>Gareth Lloyd</h2>' in page
    assert '<section class="person channel" id="C1">' in page
    assert (
        "<h3>Tuesday 1 December 2026</h3>" in page and "<h3>Wednesday 2 December 2026</h3>" in page
    )
    assert f'id="{entry_anchor("U1", 1)}"' in page
