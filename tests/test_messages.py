"""Every template renders valid Block Kit within Slack's limits, including with long input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace as Obj

import pytest

from bot.months import Month
from bot.permissions import AUDIT_COMMANDS
from bot.selection import SelectionOutcome
from bot.status import FailedDelivery, ManagerStatus, ProgrammeStatus, TeamCounts
from messages import escape_mrkdwn, render, template_names

LONG = "x" * 1000
person = Obj(name="Nina <North> & co", email="nina@example.gov.uk", slack_user_id="U0TM00001")
no_slack = Obj(name="Owen Price", email="owen@example.gov.uk", slack_user_id=None)
case = Obj(case_ref="CR-100001", case_type="CP")


def big_status() -> ProgrammeStatus:
    return ProgrammeStatus(
        month=Month(2026, 12),
        drawn_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
        drawn_by="scheduler",
        teams=[
            TeamCounts(team=f"Team {n} with a rather long name", selected=1) for n in range(200)
        ],
        not_on_slack=[no_slack] * 80,
        failed_deliveries=[
            FailedDelivery("selection:1", "owen@example.gov.uk", "channel_not_found")
        ]
        * 20,
        waiting_to_send=3,
    )


SAMPLES = {
    "selection_dm": dict(
        month="December 2026",
        case=case,
        case_type="Child Protection",
        practitioner=no_slack,
        team=Obj(name="North"),
        due_on=date(2026, 12, 31),
        suggested_on=date(2026, 12, 15),
        duration_minutes=60,
        pool_size=1,
        selection_id=7,
        replaces=(case, LONG),
    ),
    "selection_replaced": dict(case_ref="CR-1", month="December 2026", reason=LONG),
    "redraw_modal": dict(case_ref="CR-1", private_metadata='{"selection_id": 1}', min_reason=10),
    "notice": dict(text="Nope", usage="/audit help"),
    "help_reply": dict(commands=list(AUDIT_COMMANDS)),
    "select_reply": dict(
        outcome=SelectionOutcome(
            month=Month(2026, 12),
            created=True,
            drawn_at=datetime(2026, 12, 1, tzinfo=UTC),
            drawn_by="ada",
            drawn=[(person, case)] * 150,
            no_eligible_case=[person] * 150,
            not_on_slack=[no_slack] * 150,
        ),
        month="December 2026",
        month_key="2026-12",
        drawn_by="ada",
    ),
    "status_programme": dict(status=big_status()),
    "status_manager": dict(
        status=ManagerStatus(
            Month(2026, 12),
            Obj(due_on=date(2026, 12, 31)),
            case,
            "Child Protection",
            person,
            "explained " + LONG,
        )
    ),
    "explain_reply": dict(
        manager=person,
        month=Month(2026, 12),
        explanation=LONG,
        replaced=[
            Obj(
                replaced_at=datetime(2026, 12, 2, tzinfo=UTC),
                replaced_by="n@x",
                replaced_reason=LONG,
            )
        ],
    ),
}


def test_every_template_has_a_sample():
    assert sorted(SAMPLES) == template_names()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_templates_fit_block_kit_limits(name):
    rendered = render(name, **SAMPLES[name])
    if rendered.get("type") == "modal":
        check_modal(rendered)
    else:
        assert rendered["text"], "messages need a text fallback for notifications"
        assert len(rendered["blocks"]) <= 50
        for block in rendered["blocks"]:
            check_block(block)


def check_modal(view):
    assert len(view["title"]["text"]) <= 24
    assert len(view["submit"]["text"]) <= 24 and len(view["close"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        check_block(block)


def check_block(block):
    kind = block["type"]
    if kind == "header":
        assert len(block["text"]["text"]) <= 150
    if kind == "section":
        if "text" in block:
            assert 0 < len(block["text"]["text"]) <= 3000
        assert len(block.get("fields", [])) <= 10
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
    if kind == "context":
        assert len(block["elements"]) <= 10
        for element in block["elements"]:
            assert len(element["text"]) <= 3000
    if kind == "actions":
        assert len(block["elements"]) <= 25
        for element in block["elements"]:
            assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000
    if kind == "input":
        assert len(block["label"]["text"]) <= 2000


def test_user_text_cannot_forge_mentions_or_links():
    rendered = render("selection_replaced", case_ref="CR-1", month="May", reason="<!channel> <@U1>")
    text = rendered["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert escape_mrkdwn("a & b") == "a &amp; b"


def test_the_status_table_is_split_rather_than_truncated():
    rendered = render("status_programme", status=big_status())
    tables = "".join(
        b["text"]["text"] for b in rendered["blocks"] if "```" in b.get("text", {}).get("text", "")
    )
    assert tables.count("Team ") >= 200
    assert "and 50 more" in str(rendered)
