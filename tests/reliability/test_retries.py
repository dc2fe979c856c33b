"""Reliability 3: the same command, click or form delivered more than once — a quick double
click, two copies at once, and Slack's own retries (`X-Slack-Retry-Num`) — changes state once.

"One state change" is read from the audit log (every change a person makes writes one entry)
and from the tables themselves; a further retry afterwards must leave the database unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from bot.core.calendar import LONDON
from bot.demo.slack_requests import button_click_body, slash_command_body, view_submission_body
from models import Booking, FamilyEngagement, Selection, SelectionRound, TacSupervision, TacTask
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock
from tests.support.reliability import audit_actions, burst, deliveries, fill, snapshot

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return Clock(FRIDAY)


def authority_with_tac_cases(session) -> dict:
    """The authority, and two TAC cases for the north practitioner."""
    people = factories.authority(session, cases_per_team=4)
    for ref in ("CR-T001", "CR-T002"):
        factories.case(session, people["north"], people["north_worker"], ref=ref, case_type="TAC")
    return people


@pytest.fixture
def bot(start_bot, clock):
    return start_bot(clock, people=authority_with_tac_cases)


@pytest.fixture
def drawn(bot):
    """December drawn; the north manager has their selection DM."""
    bot.command(uid(bot, "admin"), "select 2026-12")
    bot.dms_to(uid(bot, "north_tm"))
    return bot


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def count(bot, table, *where) -> int:
    with bot.services.make_session() as session:
        return session.exec(select(func.count()).select_from(table).where(*where)).one()


def replies(bot) -> int:
    """Clicks and commands answered so far (after their ack): each ends in an ephemeral reply
    or an opened form."""
    return len(bot.slack.calls("response_url")) + len(bot.slack.calls("views.open"))


def views(bot, callback_id: str) -> list[dict]:
    return [
        {**c.params["view"], "id": c.response["view"]["id"]}
        for c in bot.slack.calls("views.open")
        if c.params["view"]["callback_id"] == callback_id
    ]


def click_body(bot, user: str, message: dict, action_id: str, trigger: str = "t") -> str:
    return button_click_body(
        user_id=user,
        message=message,
        action_id=action_id,
        response_url=bot.slack.response_url("click"),
        trigger_id=trigger,
    )


def click_for_view(bot, user: str, message: dict, action_id: str, callback_id: str) -> dict:
    before = len(views(bot, callback_id))
    bot.click(user, message, action_id)
    assert bot.slack.wait_for(lambda: len(views(bot, callback_id)) > before)
    return views(bot, callback_id)[-1]


def click_burst(bot, body: str) -> None:
    """Two quick clicks and a retry; wait until all three have been answered."""
    before = replies(bot)
    assert all(a.status == 200 for a in burst(bot, body))
    assert bot.slack.wait_for(lambda: replies(bot) >= before + 3), "a click was not answered"


def once_more_changes_nothing(bot, body: str, *, answered_after_ack: bool = False) -> None:
    """One more delivery (a late Slack retry) leaves every table as it was."""
    settled = snapshot(bot.engine)
    if answered_after_ack:
        before = replies(bot)
        burst(bot, body, copies=0, retries=1)
        assert bot.slack.wait_for(lambda: replies(bot) > before)
    else:
        burst(bot, body, copies=0, retries=1)
    assert snapshot(bot.engine) == settled


def new_actions(bot, before: list[str]) -> list[str]:
    return audit_actions(bot.services.make_session)[len(before) :]


def assert_no_message_twice(bot) -> None:
    bot.wait_until_sent()
    delivered = deliveries(bot.slack, bot.services.make_session)
    assert delivered.twice_or_more() == {} and delivered.unmatched == 0


def slot(day: str = "2026-12-15", at: str = "10:00") -> dict:
    return {"date": day, "time": at, "duration": "60", "place": None}


# -- slash commands ------------------------------------------------------------------------------


def test_a_retried_audit_select_draws_once_and_sends_each_dm_once(bot):
    response_url = bot.slack.response_url("select")
    body = slash_command_body(
        "/audit", "select 2026-12", user_id=uid(bot, "admin"), response_url=response_url
    )
    answers = burst(bot, body, copies=2, retries=2)

    assert all(a.status == 200 for a in answers)
    assert bot.slack.wait_for(lambda: len(bot.slack.responses_to(response_url)) == 4)
    texts = [json.dumps(reply) for reply in bot.slack.responses_to(response_url)]
    assert sum("selection done" in t for t in texts) == 1
    assert all("selection done" in t or "already drawn" in t for t in texts)
    assert count(bot, SelectionRound) == 1
    assert count(bot, Selection) == 2
    assert audit_actions(bot.services.make_session) == ["selection.draw"]
    once_more_changes_nothing(bot, body, answered_after_ack=True)
    assert_no_message_twice(bot)
    assert len(bot.dms_to(uid(bot, "north_tm"))) == 1


def test_a_retried_supervision_command_opens_one_checkpoint(bot):
    body = slash_command_body(
        "/supervision",
        f"<@{uid(bot, 'north_worker')}|pat>",
        user_id=uid(bot, "north_tm"),
        response_url="http://x/",
    )
    first = bot.post(body)
    assert first.status == 200
    assert bot.slack.wait_for(lambda: views(bot, "tac.checkpoint"))
    once_more_changes_nothing(bot, body, answered_after_ack=True)
    assert count(bot, TacSupervision) == 1
    assert audit_actions(bot.services.make_session) == ["tac.checkpoint.start"]


# -- the selection: asking for a different case --------------------------------------------------


def test_the_redraw_form_clicked_and_submitted_twice_redraws_once(drawn):
    bot, manager = drawn, uid(drawn, "north_tm")
    dm = bot.dms_to(manager)[0]
    before = audit_actions(bot.services.make_session)
    click_burst(bot, click_body(bot, manager, dm, "selection.request_redraw"))
    forms = views(bot, "selection.redraw")
    assert len(forms) == 3 and new_actions(bot, before) == []  # opening a form changes nothing

    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Moving to Leeds soon."}}}
    body = view_submission_body(user_id=manager, view=forms[0], values=reason)
    answers = burst(bot, body)
    assert sorted(a.body == "" for a in answers).count(True) >= 1
    assert new_actions(bot, before) == ["selection.redraw"]
    assert count(bot, Selection, Selection.status == "replaced") == 1
    once_more_changes_nothing(bot, body)
    # The second form, from the double click, is refused: the case is already replaced.
    other = view_submission_body(user_id=manager, view=forms[1], values=reason)
    refused = bot.post(other)
    assert "already been replaced" in json.dumps(refused.json)
    assert new_actions(bot, before) == ["selection.redraw"]
    assert_no_message_twice(bot)
    assert len(bot.dms_to(manager, count=2)) == 2  # the original and one replacement


# -- booking the discussion ------------------------------------------------------------------------


def open_booking_forms(bot) -> list[dict]:
    manager = uid(bot, "north_tm")
    click_burst(bot, click_body(bot, manager, bot.dms_to(manager)[0], "booking.open"))
    return views(bot, "booking.submit")


def submit_body(bot, user_key: str, view: dict, answers: dict) -> str:
    return view_submission_body(user_id=uid(bot, user_key), view=view, values=fill(view, answers))


def test_a_booking_form_submitted_twice_or_from_two_forms_at_once_books_once(drawn):
    bot = drawn
    before = audit_actions(bot.services.make_session)
    forms = open_booking_forms(bot)
    assert len(forms) == 3
    same_form = submit_body(bot, "north_tm", forms[0], slot())
    other_form = submit_body(bot, "north_tm", forms[1], slot(at="11:00"))
    burst_answers = burst(bot, same_form) + [bot.post(other_form)]
    assert all(a.status == 200 for a in burst_answers)
    assert count(bot, Booking) == 1
    assert new_actions(bot, before) == ["booking.book"]
    once_more_changes_nothing(bot, same_form)
    assert_no_message_twice(bot)


def test_two_booking_forms_submitted_at_the_same_moment_book_once(drawn):
    bot = drawn
    before = audit_actions(bot.services.make_session)
    forms = open_booking_forms(bot)
    bodies = [submit_body(bot, "north_tm", form, slot()) for form in forms]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(bot.post, bodies))
    assert all(a.status == 200 for a in answers)
    assert count(bot, Booking) == 1, "two forms from one double click booked twice"
    assert new_actions(bot, before) == ["booking.book"]
    assert_no_message_twice(bot)


@pytest.fixture
def booked(drawn):
    bot = drawn
    form = open_booking_forms(bot)[0]
    assert not bot.post(submit_body(bot, "north_tm", form, slot())).body
    bot.invite = bot.dms_to(uid(bot, "north_worker"))[0]
    return bot


def test_i_can_make_it_clicked_twice_and_retried_is_recorded_once(booked):
    bot = booked
    before = audit_actions(bot.services.make_session)
    body = click_body(bot, uid(bot, "north_worker"), bot.invite, "booking.can")
    click_burst(bot, body)
    assert new_actions(bot, before) == ["booking.practitioner_can"]
    once_more_changes_nothing(bot, body, answered_after_ack=True)
    assert_no_message_twice(bot)


def test_i_cant_make_it_submitted_twice_tells_the_manager_once(booked):
    bot = booked
    worker = uid(bot, "north_worker")
    form = click_for_view(bot, worker, bot.invite, "booking.cannot", "booking.cannot")
    before = audit_actions(bot.services.make_session)
    body = submit_body(bot, "north_worker", form, {"reason": "I am in court that morning."})
    burst(bot, body)
    assert new_actions(bot, before) == ["booking.practitioner_cannot"]
    once_more_changes_nothing(bot, body)
    assert_no_message_twice(bot)


def current_selection_dm(bot) -> dict:
    first = bot.dms_to(uid(bot, "north_tm"))[0]
    assert bot.slack.wait_for(lambda: updates_of(bot, first["ts"]))
    return {**updates_of(bot, first["ts"])[-1], "ts": first["ts"]}


def updates_of(bot, ts: str) -> list[dict]:
    return [c.params for c in bot.slack.calls("chat.update") if c.params.get("ts") == ts]


def test_cancel_clicked_twice_and_retried_cancels_once(booked):
    bot = booked
    before = audit_actions(bot.services.make_session)
    body = click_body(bot, uid(bot, "north_tm"), current_selection_dm(bot), "booking.cancel")
    click_burst(bot, body)
    assert new_actions(bot, before) == ["booking.cancel"]
    assert count(bot, Booking, Booking.status == "cancelled") == 1
    once_more_changes_nothing(bot, body, answered_after_ack=True)
    assert_no_message_twice(bot)


def test_two_rebook_forms_submitted_at_once_move_the_booking_once(booked):
    bot = booked
    manager = uid(bot, "north_tm")
    click_burst(bot, click_body(bot, manager, current_selection_dm(bot), "booking.rebook"))
    forms = views(bot, "booking.submit")[-3:]
    before = audit_actions(bot.services.make_session)
    from concurrent.futures import ThreadPoolExecutor

    bodies = [submit_body(bot, "north_tm", f, slot(day="2026-12-16")) for f in forms]
    with ThreadPoolExecutor(len(bodies)) as pool:
        list(pool.map(bot.post, bodies))
    assert new_actions(bot, before) == ["booking.rebook"]
    assert count(bot, Booking, Booking.status == "booked") == 1
    assert_no_message_twice(bot)


@pytest.mark.parametrize("outcome", ["held", "not_held"])
def test_did_it_happen_answered_twice_records_once(booked, clock, outcome):
    bot = booked
    manager = uid(bot, "north_tm")
    clock.now = datetime(2026, 12, 15, 11, 0, tzinfo=LONDON)
    run_due_work(bot.services, clock.now)
    question = bot.dms_containing(manager, "happen?")[-1]
    before = audit_actions(bot.services.make_session)
    if outcome == "held":
        body = click_body(bot, manager, question, "booking.held")
        click_burst(bot, body)
    else:
        form = click_for_view(bot, manager, question, "booking.not_held", "booking.not_held")
        body = submit_body(bot, "north_tm", form, {"reason": "Called out to an emergency visit."})
        burst(bot, body)
    assert new_actions(bot, before) == [f"booking.{outcome}"]
    once_more_changes_nothing(bot, body, answered_after_ack=outcome == "held")
    assert_no_message_twice(bot)


# -- contact with the child and family ------------------------------------------------------------


def contact_plan(day: str = "2026-12-04") -> dict:
    return {"choice": "plan", "method": "phone", "planned_on": day, "reason": None}


def test_the_contact_form_submitted_twice_or_from_two_forms_records_once(drawn):
    bot = drawn
    manager = uid(bot, "north_tm")
    click_burst(bot, click_body(bot, manager, bot.dms_to(manager)[0], "engagement.open"))
    forms = views(bot, "engagement.submit")
    before = audit_actions(bot.services.make_session)
    body = submit_body(bot, "north_tm", forms[0], contact_plan())
    burst(bot, body)
    bot.post(submit_body(bot, "north_tm", forms[1], contact_plan()))
    assert count(bot, FamilyEngagement) == 1
    assert new_actions(bot, before) == ["engagement.planned"]
    once_more_changes_nothing(bot, body)
    assert_no_message_twice(bot)


def test_two_contact_forms_submitted_at_the_same_moment_record_once(drawn):
    bot = drawn
    manager = uid(bot, "north_tm")
    click_burst(bot, click_body(bot, manager, bot.dms_to(manager)[0], "engagement.open"))
    forms = views(bot, "engagement.submit")
    before = audit_actions(bot.services.make_session)
    from concurrent.futures import ThreadPoolExecutor

    bodies = [submit_body(bot, "north_tm", f, contact_plan()) for f in forms]
    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(bot.post, bodies))
    assert all(a.status == 200 for a in answers), [a.status for a in answers]
    assert count(bot, FamilyEngagement) == 1
    assert new_actions(bot, before) == ["engagement.planned"]


def test_the_contact_outcome_submitted_twice_records_once(drawn, clock):
    bot = drawn
    manager = uid(bot, "north_tm")
    form = click_for_view(
        bot, manager, bot.dms_to(manager)[0], "engagement.open", "engagement.submit"
    )
    assert not bot.post(submit_body(bot, "north_tm", form, contact_plan())).body
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)
    run_due_work(bot.services, clock.now)
    prompt = bot.dms_containing(manager, "How did the contact")[0]
    before = audit_actions(bot.services.make_session)
    click_burst(bot, click_body(bot, manager, prompt, "engagement.outcome.record"))
    forms = views(bot, "engagement.outcome")
    outcome = {"child": "engaged", "parents": "engaged", "summary": "Feels listened to at school."}
    bodies = [submit_body(bot, "north_tm", f, outcome) for f in forms]
    burst(bot, bodies[0])
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(bot.post, bodies[1:]))
    assert new_actions(bot, before) == ["engagement.views_obtained"]
    once_more_changes_nothing(bot, bodies[0])
    assert_no_message_twice(bot)


# -- the TAC checkpoint ----------------------------------------------------------------------------


def open_checkpoint(bot) -> dict:
    body = slash_command_body(
        "/supervision",
        f"<@{uid(bot, 'north_worker')}|pat>",
        user_id=uid(bot, "north_tm"),
        response_url="http://x/",
    )
    bot.post(body)
    assert bot.slack.wait_for(lambda: views(bot, "tac.checkpoint"))
    return views(bot, "tac.checkpoint")[-1]


def checkpoint_answers(view: dict, decision: str = "complete_by") -> dict:
    answers: dict = {"held_on": "2026-11-27"}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("decision-"):
            case_id = block_id.split("-", 1)[1]
            answers[block_id] = decision
            answers[f"date-{case_id}"] = "2026-12-16"
            answers[f"reason-{case_id}"] = "Reviewed recently; the plan is on track."
    return answers


def test_the_tac_checkpoint_submitted_twice_records_once(bot):
    view = open_checkpoint(bot)
    before = audit_actions(bot.services.make_session)
    body = submit_body(bot, "north_tm", view, checkpoint_answers(view))
    burst(bot, body)
    assert new_actions(bot, before) == ["tac.task.create"] * 2 + ["tac.checkpoint.record"]
    assert count(bot, TacTask) == 2
    once_more_changes_nothing(bot, body)
    assert_no_message_twice(bot)


def test_a_tac_summary_recorded_twice_counts_once(bot):
    view = open_checkpoint(bot)
    assert not bot.post(submit_body(bot, "north_tm", view, checkpoint_answers(view))).body
    worker = uid(bot, "north_worker")
    task_dm = next(m for m in bot.dms_to(worker) if "tac.task.complete" in json.dumps(m))
    click_burst(bot, click_body(bot, worker, task_dm, "tac.task.complete"))
    forms = views(bot, "tac.summary_completed")
    before = audit_actions(bot.services.make_session)
    body = submit_body(bot, "north_worker", forms[0], {"completed_on": "2026-11-26"})
    burst(bot, body)
    bot.post(submit_body(bot, "north_worker", forms[1], {"completed_on": "2026-11-26"}))
    added = new_actions(bot, before)
    assert len(added) == len(set(added)), added
    assert count(bot, TacTask, TacTask.status == "completed") == 1
    once_more_changes_nothing(bot, body)
    assert_no_message_twice(bot)
    with bot.services.make_session() as session:
        from models import Case

        refs = session.exec(select(Case).where(Case.case_type == "TAC")).all()
    assert sorted(c.tac_last_summary_on for c in refs if c.tac_last_summary_on) == [
        date(2026, 11, 26)
    ]


# -- the guided audit, its safeguarding alert and its actions --------------------------------------


def submitted_audit(start_bot, clock, concern: str = "none"):
    """A running bot whose north manager has just submitted the audit."""
    from tests.http.test_audit import final_values, running_bot, walk_domain_steps

    bot = running_bot(start_bot, clock)
    view = walk_domain_steps(bot)
    values = final_values(bot, concern=concern, note="Bruising not followed up.")
    return bot, view, values


def test_the_audit_submitted_twice_and_retried_makes_one_audit(start_bot, clock):
    from models import Audit, AuditAction

    bot, view, values = submitted_audit(start_bot, clock)
    before = audit_actions(bot.services.make_session)
    body = view_submission_body(user_id=uid(bot, "north_tm"), view=view, values=values)
    assert all(a.status == 200 for a in burst(bot, body))
    assert new_actions(bot, before).count("audit.submit") == 1
    assert count(bot, Audit, Audit.status == "submitted") == 1
    assert count(bot, AuditAction) == 1
    once_more_changes_nothing(bot, body)
    assert_no_message_twice(bot)


def test_an_alert_acknowledged_twice_and_a_done_note_sent_twice_record_once(start_bot, clock):
    from models import AuditAction, SafeguardingAlert

    bot, view, values = submitted_audit(start_bot, clock, concern="category_1")
    assert not bot.submit(uid(bot, "north_tm"), view, values).body
    service_manager, worker = uid(bot, "service_manager"), uid(bot, "north_worker")
    alert = bot.dms_containing(service_manager, "alert.ack")[0]
    before = audit_actions(bot.services.make_session)
    click_burst(bot, click_body(bot, service_manager, alert, "alert.ack"))
    assert new_actions(bot, before) == ["alert.acknowledge"]
    assert count(bot, SafeguardingAlert, SafeguardingAlert.acknowledged_by.is_not(None)) == 1

    action_dm = bot.dms_containing(worker, "action.done")[0]
    click_burst(bot, click_body(bot, worker, action_dm, "action.done"))
    form = views(bot, "action.done")[0]
    note = {"reason": {"reason": {"type": "plain_text_input", "value": "Chronology updated."}}}
    body = view_submission_body(user_id=worker, view=form, values=note)
    before = audit_actions(bot.services.make_session)
    burst(bot, body)
    assert new_actions(bot, before) == ["action.done"]
    assert count(bot, AuditAction, AuditAction.status == "done") == 1
    once_more_changes_nothing(bot, body)
    assert_no_message_twice(bot)
