"""The IRO's or conference chair's feedback as its own part of the audit (issue 25, Sefton),
through the signed HTTP endpoint: named in the audit's last step, asked by DM about that one
case, given in a short form, told to the auditor, kept in the audit record, reminded once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.audit.record_data import collect_audit_record
from bot.core.calendar import LONDON
from bot.policy.schema import FrameworkPolicy, Policy
from models import Audit, IroFeedback
from scheduler.jobs import run_due_work
from tests.http.test_audit import FRIDAY, final_values, submit, uid, walk_domain_steps
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies

pytestmark = pytest.mark.integration
SEFTON = Policy(framework=FrameworkPolicy(iro_feedback={"enabled": True}))
FEEDBACK = "The plan is progressing; the core group needs school health at every meeting."


def people(session):
    found = factories.authority(session, cases_per_team=2)
    iro_service = factories.team(session, "IRO service")
    found["iro"] = factories.person(session, "Iris Reviewing", "practitioner", iro_service)
    return found


@pytest.fixture
def clock():
    return Clock(FRIDAY)


@pytest.fixture
def running(start_bot, clock):
    bot = start_bot(clock, policy=SEFTON, people=people)
    bot.command(uid(bot, "admin"), "select 2026-12")
    return bot


def with_iro(bot, values, slack_id=None, reason=None):
    return {
        **values,
        "iro": {"iro": {"type": "users_select", "selected_user": slack_id}},
        "iro_not_asked": {"iro_not_asked": {"type": "plain_text_input", "value": reason}},
    }


def feedback_form(text, grade):
    chosen = {"value": grade} if grade else None
    return {
        "feedback": {"feedback": {"type": "plain_text_input", "value": text}},
        "grade_view": {"grade_view": {"type": "static_select", "selected_option": chosen}},
    }


def requests(bot) -> list[IroFeedback]:
    with bot.services.make_session() as session:
        return session.exec(select(IroFeedback)).all()


def test_the_iro_named_in_the_audit_gives_feedback_on_that_case_only(running):
    view = walk_domain_steps(running)
    blocks = [block.get("block_id") for block in view["blocks"]]
    assert "iro" in blocks and "iro_not_asked" in blocks
    values = final_values(running, overall="Good")
    errors = submit(running, view, with_iro(running, values)).json["errors"]
    assert "say why they are not being asked" in errors["iro_not_asked"]
    errors = submit(running, view, with_iro(running, values, uid(running, "north_tm"))).json
    assert "not yourself" in errors["errors"]["iro"]
    errors = submit(running, view, with_iro(running, values, "U0NOTSTAFF")).json["errors"]
    assert "not on the staff list" in errors["iro"]
    assert not submit(running, view, with_iro(running, values, uid(running, "iro"))).body

    iro = uid(running, "iro")
    [request_dm] = running.dms_containing(iro, "Your feedback is asked")
    case_ref = request_dm["text"].rsplit(" ", 1)[-1]
    assert case_ref.startswith("CR-N") and "iro.give" in json.dumps(request_dm)
    [summary] = running.dms_containing(uid(running, "north_tm"), "Audit submitted")
    assert "asked of" in json.dumps(summary["blocks"]) and f"<@{iro}>" in json.dumps(summary)

    running.click(uid(running, "north_worker"), request_dm, "iro.give")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the IRO" in ephemeral_replies(running)[-1]

    form = click_for_view(running, iro, request_dm, "iro.give", "iro.feedback")
    assert case_ref in json.dumps(form)
    answer = running.submit(iro, form, feedback_form("Fine.", "Good"))
    assert "a few sentences" in answer.json["errors"]["feedback"]
    answer = running.submit(iro, form, feedback_form(FEEDBACK, None))
    assert "grade you would give" in answer.json["errors"]["grade_view"]
    grade = "Requires improvement to be good"
    assert not running.submit(iro, form, feedback_form(FEEDBACK, grade)).body
    again = running.submit(iro, form, feedback_form(FEEDBACK, "Good"))
    assert "already recorded" in json.dumps(again.json)

    [told] = running.dms_containing(uid(running, "north_tm"), "Feedback from the IRO")
    told_text = json.dumps(told["blocks"])
    assert FEEDBACK in told_text and grade in told_text and "(the audit's: Good)" in told_text
    [given] = requests(running)
    assert given.status == "given" and given.grade_view == grade and given.feedback == FEEDBACK
    with running.services.make_session() as session:
        audit = session.exec(select(Audit)).one()
        record = collect_audit_record(session, SEFTON, audit, LONDON, FRIDAY)
    assert record.iro_feedback.feedback == FEEDBACK and record.iro_feedback.grade_view == grade
    assert record.iro_feedback.iro == "Iris Reviewing"


def test_an_iro_not_asked_needs_a_reason_and_is_sent_nothing(running):
    view = walk_domain_steps(running)
    values = with_iro(running, final_values(running), reason="The IRO is new to the case.")
    assert not submit(running, view, values).body
    running.wait_until_sent()
    assert requests(running) == [] and not running.slack.messages_to(uid(running, "iro"))
    with running.services.make_session() as session:
        audit = session.exec(select(Audit)).one()
    assert audit.answers["final"]["iro_not_asked"] == "The IRO is new to the case."


def test_feedback_not_given_is_reminded_once_after_five_working_days(running, clock):
    view = walk_domain_steps(running)
    values = with_iro(running, final_values(running), uid(running, "iro"))
    assert not submit(running, view, values).body
    iro = uid(running, "iro")
    running.dms_containing(iro, "Your feedback is asked")
    # Asked on Friday 27 November: five working days on is Friday 4 December.
    for moment, reminders in (
        (datetime(2026, 12, 3, 11, 0, tzinfo=UTC), 0),
        (datetime(2026, 12, 4, 11, 0, tzinfo=UTC), 1),
        (datetime(2026, 12, 7, 11, 0, tzinfo=UTC), 1),
    ):
        clock.now = moment
        run_due_work(running.services, moment)
        running.wait_until_sent()  # the background sender may have taken it first
        sent = [m for m in running.slack.messages_to(iro) if m["text"].startswith("Reminder")]
        assert len(sent) == reminders, moment
