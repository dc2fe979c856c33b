"""A practitioner can't attend the audit of their case in a round: the administrator chooses,
with buttons, to swap the case, draw another or keep it; the choice is carried out once
(a double click and Slack's retry included), logged, and the people concerned are told. A
practitioner not on Slack is named to the administrator instead of being counted as asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.demo.slack_requests import button_click_body
from models import AuditLogEntry, Selection, Staff
from tests.http.test_rounds import MONDAY, define, people, round_cases, tick, uid
from tests.support.harness import CLICKS, Clock, click_for_view, ephemeral_replies, updates_of
from tests.support.reliability import burst

pytestmark = pytest.mark.integration
DRAW_DAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
REASON = "On annual leave that week"


@pytest.fixture
def clock():
    return Clock(MONDAY)


@pytest.fixture
def running(start_bot, clock):
    bot = start_bot(clock, people=people)
    define(bot, cases="1", auditors=["service_manager"])
    tick(bot, clock, DRAW_DAY)
    return bot


def _slack_id(bot, staff_id):
    with bot.services.make_session() as session:
        return session.get(Staff, staff_id).slack_user_id


def decline(bot):
    """The drawn case's practitioner says they can't attend; the administrator's question."""
    [(round_case, case)] = round_cases(bot)
    worker = _slack_id(bot, case.worker_id)
    request = bot.dms_containing(worker, case.case_ref)[0]
    modal = click_for_view(bot, worker, request, "round.decline", "round.decline")
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": REASON}}}
    assert not bot.submit(worker, modal, reason).body
    question = bot.dms_containing(uid(bot, "admin"), "what should happen to it?")[0]
    assert REASON in json.dumps(question["blocks"]) and case.case_ref in json.dumps(question)
    return round_case, case, worker, question


def answered(bot, text, count=1):
    """Wait until `count` private answers to clicks contain `text` (a click is answered on its
    response_url after the ack), and until what they queued has reached Slack."""
    assert bot.slack.wait_for(
        lambda: sum(text in reply for reply in ephemeral_replies(bot)) >= count
    ), ephemeral_replies(bot)
    bot.wait_until_sent()


def decisions(bot):
    with bot.services.make_session() as session:
        return session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action.startswith("round.absence."))
        ).all()


def test_swap_double_clicked_and_retried_swaps_once_and_tells_everyone(running):
    round_case, case, worker, question = decline(running)
    admin = uid(running, "admin")
    body = button_click_body(
        user_id=admin,
        message=question,
        action_id="round.absence.swap",
        response_url=running.slack.response_url(CLICKS),
    )
    assert all(answer.status == 200 for answer in burst(running, body, copies=2, retries=1))
    answered(running, "Done:")
    answered(running, "Already decided", count=2)

    [decision] = decisions(running)
    assert decision.action == "round.absence.swap" and decision.actor.startswith("ada.admin")
    drawn = round_cases(running)
    assert len(drawn) == 2  # the swapped-out case and exactly one replacement
    (_, old), (new_case, new) = drawn
    assert old.id == case.id and new.id != case.id and new.worker_id != case.worker_id
    assert new_case.auditor_id == round_case.auditor_id
    with running.services.make_session() as session:
        swapped = session.get(Selection, round_case.selection_id)
        assert swapped.status == "replaced" and REASON in swapped.replaced_reason
    replies = ephemeral_replies(running)
    assert sum("Done: swap the case for another" in reply for reply in replies) == 1
    assert any("Already decided" in reply for reply in replies)

    auditor = uid(running, "service_manager")
    assert running.dms_containing(auditor, f"you are auditing {new.case_ref}")
    told = running.dms_containing(auditor, "taken out of round")[0]
    assert new.case_ref in json.dumps(told["blocks"])
    old_dm = running.dms_containing(auditor, f"you are auditing {old.case_ref}")[0]
    assert running.slack.wait_for(
        lambda: "Swapped:" in json.dumps(updates_of(running, old_dm["ts"])[-1:])
    )
    assert "audit.start" not in json.dumps(updates_of(running, old_dm["ts"])[-1])
    assert running.dms_containing(worker, "nothing more for you to do")
    assert running.dms_containing(_slack_id(running, new.worker_id), "confirm")
    assert running.slack.wait_for(
        lambda: "Decided by" in json.dumps(updates_of(running, question["ts"])[-1:])
    )
    status = running.command(admin, "round status audit-day-q1").text
    assert "1 case(s) drawn" in status and old.case_ref not in status


def test_draw_another_keeps_the_case_and_adds_one_for_the_same_auditor(running):
    round_case, case, worker, question = decline(running)
    running.click(uid(running, "admin"), question, "round.absence.another")
    answered(running, "Done: keep the case and draw another")
    drawn = round_cases(running)
    assert len(drawn) == 2 and {rc.auditor_id for rc, _ in drawn} == {round_case.auditor_id}
    with running.services.make_session() as session:
        assert session.get(Selection, round_case.selection_id).status == "selected"
    assert running.dms_containing(uid(running, "service_manager"), "you have one more case")
    assert running.dms_containing(worker, "stays in round")
    [decision] = decisions(running)
    assert decision.action == "round.absence.another"


def test_keep_changes_nothing_but_is_logged_and_told_and_only_admins_decide(running):
    round_case, case, worker, question = decline(running)
    refused = running.click(uid(running, "service_manager"), question, "round.absence.keep")
    assert refused.status == 200
    answered(running, "only admins can decide")
    running.click(uid(running, "admin"), question, "round.absence.keep")
    answered(running, "Done: keep the case")
    running.click(uid(running, "admin"), question, "round.absence.swap")  # too late: decided
    answered(running, "Already decided")
    assert len(round_cases(running)) == 1
    [decision] = decisions(running)
    assert decision.action == "round.absence.keep"
    assert running.dms_containing(uid(running, "service_manager"), "please audit it as planned")
    assert running.dms_containing(worker, "stays in round")
    assert any("Already decided" in reply for reply in ephemeral_replies(running))


def _people_off_slack(session):
    """The usual people, but no practitioner is on Slack."""
    found = people(session)
    for key in ("north_worker", "south_worker", "east_worker"):
        found[key].slack_user_id = None
        found[key].slack_lookup = "not_found"
        session.add(found[key])
    return found


def test_a_practitioner_not_on_slack_is_named_to_the_administrator(start_bot, clock):
    bot = start_bot(clock, people=_people_off_slack)
    define(bot)
    tick(bot, clock, DRAW_DAY)
    told = bot.dms_containing(uid(bot, "admin"), "audit-day-q1 drawn")[0]
    text = json.dumps(told["blocks"])
    assert "Not on Slack, so not asked" in text
    assert all(f"{name} Worker" in text for name in ("North", "South", "East"))
    for round_case, case in round_cases(bot):
        auditor = _slack_id(bot, round_case.auditor_id)
        dm = bot.dms_containing(auditor, case.case_ref)[0]
        assert "has not been asked" in json.dumps(dm["blocks"])
