"""Poor practice on a Halton audit day, through the signed HTTP endpoint (issue 25): an audit
judged Inadequate asks its auditor at once for a recommendation and a timescale (a form with
inline errors; only the case's auditors); the senior manager above the case's practitioner gets
it at the outbox's urgent priority, and acknowledges it; the auditor is told."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy, RoundDefinition, RoundsPolicy
from models import OutboxMessage, PoorPractice
from models.statuses import Priority
from tests.http.test_audit import domain_values, final_values
from tests.http.test_rounds import people, round_cases, tick
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
RECOMMENDATION = "Convene a strategy discussion and update the safety plan with the school."


@pytest.fixture
def running(start_bot):
    clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    day = RoundDefinition(
        name="audit-day-q1",
        kind="audit_day",
        cases=1,
        auditors=["east.manager@example.gov.uk"],
        poor_practice=True,
        audit_date=date(2027, 1, 11),
    )
    policy = Policy(rounds=RoundsPolicy(rounds=[day]))
    bot = start_bot(clock, policy=policy, people=people)
    tick(bot, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    clock.now = datetime(2027, 1, 11, 11, 0, tzinfo=UTC)
    return bot


def report_form(recommendation=RECOMMENDATION, due="2027-01-25"):
    return {
        "recommendation": {"recommendation": {"type": "plain_text_input", "value": recommendation}},
        "due_on": {"due_on": {"type": "datepicker", "selected_date": due}},
    }


def test_an_inadequate_judgement_is_conveyed_at_once_to_the_senior_manager(running):
    [(_, case)] = round_cases(running)
    auditor = running.people["east_tm"].slack_user_id
    dm = running.dms_containing(auditor, case.case_ref)[0]
    assert "round.poor_practice" in json.dumps(dm["blocks"])
    view = click_for_view(running, auditor, dm, "audit.start", "audit.step")
    while view["submit"]["text"] != "Submit the audit":
        view = {**running.submit(auditor, view, domain_values(view)).json["view"], "id": view["id"]}
    values = final_values(
        running,
        actions=(),
        no_actions="Reported to the senior manager.",
        overall="Inadequate",
        took_part=("took_part", "took_part"),
    )
    assert not running.submit(auditor, view, values).body
    asked = running.dms_containing(auditor, "tell the senior manager")[0]

    worker = running.people["north_worker"].slack_user_id
    running.click(worker, asked, "round.poor_practice")
    assert running.slack.wait_for(
        lambda: any("Only the case's auditors" in reply for reply in ephemeral_replies(running))
    )
    modal = click_for_view(running, auditor, asked, "round.poor_practice", "round.poor_practice")
    errors = running.submit(auditor, modal, report_form("Fix it.", "2027-01-11")).json["errors"]
    assert "what must be done" in errors["recommendation"] and "after today" in errors["due_on"]
    with running.services.make_session() as session:
        assert session.exec(select(PoorPractice)).all() == []
    assert not running.submit(auditor, modal, report_form()).body

    senior = running.people["service_manager"]
    [told] = running.dms_containing(senior.slack_user_id, "Poor practice on")
    assert RECOMMENDATION in json.dumps(told["blocks"]) and case.case_ref in json.dumps(told)
    with running.services.make_session() as session:
        report = session.exec(select(PoorPractice)).one()
        assert (report.senior_manager_id, report.due_on) == (senior.id, date(2027, 1, 25))
        row = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.idempotency_key == f"poor-practice:{report.round_case_id}:senior"
            )
        ).one()
        assert row.priority == Priority.URGENT
    assert running.slack.wait_for(
        lambda: "Poor practice reported" in json.dumps(updates_of(running, dm["ts"])[-1:])
    )
    running.click(auditor, asked, "round.poor_practice")
    assert running.slack.wait_for(
        lambda: any("already been reported" in reply for reply in ephemeral_replies(running))
    )

    admin = running.people["admin"].slack_user_id
    status = running.command(admin, "round status audit-day-q1").text
    assert "1 poor practice report(s), 1 not yet acknowledged" in status
    running.click(running.people["head"].slack_user_id, told, "round.poor_practice.ack")
    assert running.slack.wait_for(
        lambda: any("Only the senior manager" in reply for reply in ephemeral_replies(running))
    )
    running.click(senior.slack_user_id, told, "round.poor_practice.ack")
    assert running.slack.wait_for(
        lambda: "Acknowledged" in json.dumps(updates_of(running, told["ts"])[-1:])
    )
    assert running.dms_containing(auditor, "Acknowledged: poor practice")
    with running.services.make_session() as session:
        assert session.exec(select(PoorPractice)).one().acknowledged_by_id == senior.id
    status = running.command(admin, "round status audit-day-q1").text
    assert "1 poor practice report(s), 0 not yet acknowledged" in status


def test_poor_practice_not_acknowledged_in_time_is_sent_again_and_to_the_head_once(running):
    [(round_case, case)] = round_cases(running)
    auditor = running.people["east_tm"].slack_user_id
    dm = running.dms_containing(auditor, case.case_ref)[0]
    modal = click_for_view(running, auditor, dm, "round.poor_practice", "round.poor_practice")
    assert not running.submit(auditor, modal, report_form()).body  # Monday 11:00
    senior = running.people["service_manager"].slack_user_id
    head = running.people["head"].slack_user_id
    running.dms_containing(senior, "Poor practice on")
    clock = running.services.clock
    tick(running, clock, datetime(2027, 1, 11, 14, 30, tzinfo=UTC))  # 3.5 working hours
    assert running.dms_containing(senior, "Not yet acknowledged", count=0) == []
    for moment in (
        datetime(2027, 1, 11, 15, 5, tzinfo=UTC),
        datetime(2027, 1, 12, 9, 0, tzinfo=UTC),
    ):
        tick(running, clock, moment)
    again = running.dms_containing(senior, "Not yet acknowledged")
    copy = running.dms_containing(head, "Not yet acknowledged")
    assert len(again) == 1 and "round.poor_practice.ack" in json.dumps(again[0]["blocks"])
    assert len(copy) == 1 and "round.poor_practice.ack" not in json.dumps(copy[0]["blocks"])
    assert RECOMMENDATION in json.dumps(copy[0]["blocks"])
    running.click(senior, again[0], "round.poor_practice.ack")
    assert running.dms_containing(auditor, "Acknowledged: poor practice")
