"""No supervision in six months as an immediate-response trigger (issue 25, Sefton), through the
signed HTTP endpoint: asked in the audit's last step, its own short form checked, the line
alerted at once on the urgent path, acknowledged, chased like a Category 1 alert, and counted in
the QA briefing."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy, Policy
from bot.report.figures import compute_briefing
from bot.report.markdown import briefing_markdown
from bot.report.period import Period
from models import OutboxMessage, SupervisionGapAlert
from models.statuses import Priority
from scheduler.jobs import run_due_work
from tests.http.test_audit import FRIDAY, final_values, running_bot, submit, uid, walk_domain_steps
from tests.support.harness import Clock, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
SEFTON = Policy(framework=FrameworkPolicy(supervision_gap={"enabled": True}))
REASON = "The practitioner's supervisor was off sick and no cover was arranged."
ACTION = "Monthly supervision booked with the team manager, case discussed first."


@pytest.fixture
def clock():
    return Clock(FRIDAY)


@pytest.fixture
def running(start_bot, clock):
    return running_bot(start_bot, clock, policy=SEFTON)


def with_gap(values, answer="yes", start="2026-03-02", end="2026-11-27", due="2026-12-11",
             reason=REASON, action=ACTION):  # fmt: skip
    def text(block, value):
        return {block: {block: {"type": "plain_text_input", "value": value}}}

    def day(block, value):
        return {block: {block: {"type": "datepicker", "selected_date": value}}}

    chosen = {"value": answer} if answer else None
    return {
        **values,
        "supervision_gap": {
            "supervision_gap": {"type": "radio_buttons", "selected_option": chosen}
        },
        **day("gap_from", start),
        **day("gap_to", end),
        **day("gap_action_due", due),
        **text("gap_reason", reason),
        **text("gap_action", action),
    }


def gap_alerts(bot) -> list[SupervisionGapAlert]:
    with bot.services.make_session() as session:
        return session.exec(select(SupervisionGapAlert)).all()


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        (dict(answer=None), "supervision_gap", "Please say whether"),
        (dict(start=None), "gap_from", "last supervision"),
        (dict(start="2026-06-01"), "gap_to", "less than 6 months"),
        (dict(end="2026-12-01"), "gap_to", "still to come"),
        (dict(reason="Sick."), "gap_reason", "write why"),
        (dict(action=""), "gap_action", "the action agreed"),
        (dict(due="2026-11-01"), "gap_action_due", "has passed"),
    ],
)
def test_a_yes_needs_its_own_form(running, changes, field, says):
    view = walk_domain_steps(running)
    question = next(b for b in view["blocks"] if b.get("block_id") == "supervision_gap")
    assert "six months or more without recorded supervision" in question["label"]["text"]
    errors = submit(running, view, with_gap(final_values(running), **changes)).json["errors"]
    assert says in errors[field]
    assert gap_alerts(running) == []


def test_a_gap_alerts_the_line_at_once_is_acknowledged_and_counted(running, clock):
    view = walk_domain_steps(running)
    assert not submit(running, view, with_gap(final_values(running))).body
    [alert] = gap_alerts(running)
    service_manager, head = uid(running, "service_manager"), uid(running, "head")
    [dm] = running.dms_containing(service_manager, "Immediate response")
    assert running.dms_containing(head, "Immediate response")
    body = json.dumps(dm["blocks"])
    assert REASON in body and ACTION in body and "Monday 2 March 2026" in body
    with running.services.make_session() as session:
        keys = session.exec(
            select(OutboxMessage.priority).where(
                OutboxMessage.idempotency_key.startswith(f"supervision_gap:{alert.id}:1:")
            )
        ).all()
    assert keys == [Priority.URGENT, Priority.URGENT]
    [summary] = running.dms_containing(uid(running, "north_tm"), "Audit submitted")
    assert "Supervision gap" in json.dumps(summary["blocks"])

    running.click(uid(running, "north_worker"), dm, "supervision_gap.ack")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the service manager" in ephemeral_replies(running)[-1]
    running.click(service_manager, dm, "supervision_gap.ack")
    assert running.dms_containing(uid(running, "north_tm"), "Update on the supervision gap")
    assert running.slack.wait_for(lambda: updates_of(running, dm["ts"]))
    assert "is acting on this" in json.dumps(updates_of(running, dm["ts"])[-1])
    assert gap_alerts(running)[0].acknowledged_at is not None

    with running.services.make_session() as session:
        briefing = compute_briefing(
            session,
            Period.month(Month(2026, 12)),
            framework=SEFTON.framework,
            timezone=LONDON,
            as_of=FRIDAY.date(),
        )
    concerns = briefing.current_concerns
    assert (concerns.supervision_gaps, concerns.supervision_gaps_acknowledged) == (1, 1)
    assert "1 audit found no recorded supervision" in briefing_markdown(briefing)


def test_an_unacknowledged_gap_is_sent_again_and_administrators_are_told(running, clock):
    view = walk_domain_steps(running)
    assert not submit(running, view, with_gap(final_values(running))).body
    head, admin = uid(running, "head"), uid(running, "admin")
    running.dms_containing(head, "Immediate response")
    for moment, resent in (
        (datetime(2026, 11, 27, 13, 59, tzinfo=LONDON), 0),
        (datetime(2026, 11, 27, 14, 0, tzinfo=LONDON), 1),
        (datetime(2026, 11, 27, 15, 0, tzinfo=LONDON), 1),
    ):
        clock.now = moment
        run_due_work(running.services, moment)
        running.wait_until_sent()  # the background sender may have taken it first
        again = [m for m in running.slack.messages_to(head) if m["text"].startswith("Still")]
        assert len(again) == resent, moment
    [notice] = running.dms_containing(admin, "Not yet acknowledged")
    assert f"<@{uid(running, 'service_manager')}>" in json.dumps(notice["blocks"])


def test_the_question_is_not_asked_unless_the_policy_turns_it_on(start_bot, clock):
    bot = running_bot(start_bot, clock)
    view = walk_domain_steps(bot)
    assert not [
        b for b in view["blocks"] if b.get("block_id", "").startswith(("gap_", "supervision"))
    ]
