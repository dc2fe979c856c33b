"""Escalation to the head of service through the signed HTTP endpoint: an audit judged
Inadequate overall (once, however often the submission is retried; never a Good one), and an
audit action overdue by 20 working days (chasing.rules.action_overdue)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.audit.inadequate import ESCALATED
from models import Audit, AuditLogEntry
from scheduler.jobs import run_due_work
from tests.http.test_audit import FRIDAY, final_values, running_bot, submit, uid, walk_domain_steps
from tests.support.harness import Clock, click_for_view, ephemeral_replies

pytestmark = pytest.mark.integration
ACTION = "Update the chronology"


@pytest.fixture
def clock():
    return Clock(FRIDAY)


@pytest.fixture
def running(start_bot, clock):
    return running_bot(start_bot, clock)


def escalations(bot) -> list[AuditLogEntry]:
    with bot.services.make_session() as session:
        return session.exec(select(AuditLogEntry).where(AuditLogEntry.action == ESCALATED)).all()


def inadequate_dms(bot) -> list[dict]:
    bot.wait_until_sent()
    return bot.dms_containing(uid(bot, "head"), "Inadequate audit escalated", count=0)


def test_an_inadequate_audit_reaches_the_head_of_service_once(running):
    view = walk_domain_steps(running)
    values = final_values(running, overall="Inadequate", concern="category_2", note="x" * 20)
    assert not submit(running, view, values).body
    assert "already been submitted" in json.dumps(submit(running, view, values).json)  # retried
    [dm] = running.dms_containing(uid(running, "head"), "Inadequate audit escalated")
    with running.services.make_session() as session:
        audit = session.exec(select(Audit)).one()
    [entry] = escalations(running)
    assert entry.subject == f"audit:{audit.id}" and entry.actor == running.people["north_tm"].email
    body = json.dumps(dm["blocks"])
    case_ref = dm["text"].removeprefix("Inadequate audit escalated to you: ")
    assert case_ref.startswith("CR-N") and f"*{case_ref}* (North)" in body
    assert f"<@{uid(running, 'north_tm')}>" in body and "*Inadequate* overall" in body
    assert "Category 2: the service is not appropriate" in body
    assert ACTION in body and f"<@{uid(running, 'north_worker')}>" in body
    assert "Friday 18 December 2026" in body
    assert len(inadequate_dms(running)) == 1
    assert not running.dms_containing(uid(running, "service_manager"), "Inadequate", count=0)

    modal = click_for_view(
        running, uid(running, "head"), dm, "audit.case_actions", "audit.case_actions"
    )
    assert case_ref in json.dumps(modal) and ACTION in json.dumps(modal)
    assert "0 of 1 action done" in json.dumps(modal)


def test_the_case_actions_button_is_refused_to_others(running):
    view = walk_domain_steps(running)
    assert not submit(running, view, final_values(running, overall="Inadequate")).body
    [dm] = running.dms_containing(uid(running, "head"), "Inadequate audit escalated")
    opened = len(running.slack.calls("views.open"))
    running.click(uid(running, "south_tm"), dm, "audit.case_actions")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "can see this case's actions" in ephemeral_replies(running)[-1]
    assert len(running.slack.calls("views.open")) == opened


def test_a_good_audit_is_not_escalated(running):
    view = walk_domain_steps(running)
    assert not submit(running, view, final_values(running, overall="Good")).body
    running.dms_containing(uid(running, "north_tm"), "Audit submitted")
    assert not inadequate_dms(running) and not escalations(running)


def test_an_action_overdue_by_20_working_days_reaches_the_head_of_services_chasing_dm(
    running, clock
):
    view = walk_domain_steps(running)
    values = final_values(running, actions=((ACTION, "north_worker", "2026-12-18"),))
    assert not submit(running, view, values).body
    calendar = running.services.calendar
    head = uid(running, "head")

    def chased_on(working_days: int) -> list[str]:
        day = calendar.add_working_days(date(2026, 12, 18), working_days)
        clock.now = datetime(day.year, day.month, day.day, 11, 0, tzinfo=UTC)
        run_due_work(running.services, clock.now)
        running.wait_until_sent()
        return [
            json.dumps(m["blocks"])
            for m in running.slack.messages_to(head)
            if "chase.snooze" in json.dumps(m)
        ]

    assert not [dm for dm in chased_on(19) if ACTION in dm]
    [escalated] = [dm for dm in chased_on(20) if ACTION in dm]
    assert "Action on CR-N" in escalated and "overdue in your service" in escalated
