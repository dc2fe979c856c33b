"""The end of a Halton audit day through the signed HTTP endpoint (issue 25): the lead reviewer
is asked once, from the policy's time on the last audit day, for the strengths, weaknesses and
recommendations across the sample; records them in a form (inline errors; only the lead); and
the QA briefing carries them as a file of their own to administrators and heads of service."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy, RoundDefinition, RoundsPolicy
from models import RoundFindings
from tests.http.test_report import uploads_to
from tests.http.test_rounds import people, tick
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
AUDIT_DAY = date(2027, 1, 11)
STRENGTHS = "Children are seen alone and their words shape the plans."
WEAKNESSES = "Chronologies stop at the last transfer between teams."
RECOMMENDATIONS = "Make the chronology part of the transfer checklist, owned by the receiving TM."


@pytest.fixture
def running(start_bot):
    clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    policy = Policy(
        rounds=RoundsPolicy(
            rounds=[
                RoundDefinition(
                    name="audit-day-q1",
                    kind="audit_day",
                    cases=1,
                    auditors=["north.manager@example.gov.uk"],
                    lead_reviewer="hana.head@example.gov.uk",
                    audit_date=AUDIT_DAY,
                )
            ]
        )
    )
    bot = start_bot(clock, policy=policy, people=people)
    tick(bot, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # drawn five weeks before
    bot.clock = clock
    return bot


def form(strengths=STRENGTHS, weaknesses=WEAKNESSES, recommendations=RECOMMENDATIONS):
    return {
        block: {block: {"type": "plain_text_input", "value": value}}
        for block, value in (
            ("strengths", strengths),
            ("weaknesses", weaknesses),
            ("recommendations", recommendations),
        )
    }


def prompts(bot, user_id):
    return [m for m in bot.dms_to(user_id) if "The findings of the audit day" in m["text"]]


def test_the_lead_is_asked_once_at_the_end_of_the_day_and_records_the_findings(running):
    head, admin = running.people["head"].slack_user_id, running.people["admin"].slack_user_id
    tick(running, running.clock, datetime(2027, 1, 11, 12, 0, tzinfo=UTC))
    assert prompts(running, head) == []  # not before rounds.findings_prompt_at (16:00)
    tick(running, running.clock, datetime(2027, 1, 11, 16, 5, tzinfo=UTC))
    tick(running, running.clock, datetime(2027, 1, 12, 9, 0, tzinfo=UTC))
    [prompt] = prompts(running, head)

    running.click(admin, prompt, "round.findings")
    assert running.slack.wait_for(
        lambda: any("Only the round's lead reviewer" in r for r in ephemeral_replies(running))
    )
    modal = click_for_view(running, head, prompt, "round.findings", "round.findings")
    assert modal["title"]["text"] == "The day's findings"
    errors = running.submit(head, modal, form(weaknesses="few")).json["errors"]
    assert list(errors) == ["weaknesses"] and "at least 10 characters" in errors["weaknesses"]
    with running.services.make_session() as session:
        assert session.exec(select(RoundFindings)).all() == []
    assert not running.submit(head, modal, form()).body
    assert running.slack.wait_for(
        lambda: "Findings recorded" in json.dumps(updates_of(running, prompt["ts"])[-1:])
    )
    corrected = click_for_view(running, head, prompt, "round.findings", "round.findings")
    assert STRENGTHS in json.dumps(corrected["blocks"])  # prefilled, to correct
    assert not running.submit(head, corrected, form(strengths=STRENGTHS + " Mostly.")).body
    with running.services.make_session() as session:
        [findings] = session.exec(select(RoundFindings)).all()
        assert findings.strengths.endswith("Mostly.")
        assert findings.recommendations == RECOMMENDATIONS
        assert findings.recorded_by_id == running.people["head"].id
    status = running.command(admin, "round status audit-day-q1").text
    assert "the day's findings recorded" in status and WEAKNESSES not in status
    tick(running, running.clock, datetime(2027, 1, 13, 16, 30, tzinfo=UTC))
    assert len(prompts(running, head)) == 1  # asked once


def test_the_briefing_carries_the_findings_to_entitled_readers_only(running):
    head = running.people["head"].slack_user_id
    tick(running, running.clock, datetime(2027, 1, 11, 16, 5, tzinfo=UTC))
    [prompt] = prompts(running, head)
    modal = click_for_view(running, head, prompt, "round.findings", "round.findings")
    assert not running.submit(head, modal, form()).body

    running.clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
    for key in ("admin", "service_manager"):
        running.command(running.people[key].slack_user_id, "report 2027-01")
    admin = running.people["admin"].slack_user_id
    assert running.slack.wait_for(
        lambda: "qa-briefing-2027-01-audit-day-findings.csv" in uploads_to(running, admin)
    )
    files = uploads_to(running, admin)
    findings = files["qa-briefing-2027-01-audit-day-findings.csv"].decode()
    assert "audit-day-q1,2027-01-11" in findings
    assert all(text in findings for text in (STRENGTHS, WEAKNESSES, RECOMMENDATIONS))
    summary = files["qa-briefing-2027-01.md"].decode()
    assert "recommendations of 1 audit day are in a separate file" in summary
    assert STRENGTHS not in summary
    assert not any(
        STRENGTHS.encode() in content for name, content in files.items() if "audit-day" not in name
    )
    manager = running.people["service_manager"].slack_user_id
    assert running.slack.wait_for(lambda: "qa-briefing-2027-01.md" in uploads_to(running, manager))
    running.wait_until_sent()
    theirs = uploads_to(running, manager)
    assert not any("audit-day-findings" in name for name in theirs)
    assert not any(STRENGTHS.encode() in content for content in theirs.values())
