"""Booking the discussion and recording the family contact, through the signed HTTP endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from models import Booking, FamilyEngagement
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import (
    Clock,
    click_for_view,
    ephemeral_replies,
    updates_of,
    views_opened,
)

pytestmark = pytest.mark.integration
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return Clock(FRIDAY)


@pytest.fixture
def running(start_bot, clock):
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    return bot


def uid(bot, key):
    return bot.people[key].slack_user_id


def selection_dm(bot):
    return bot.dms_to(uid(bot, "north_tm"))[0]


def slot(day="2026-12-15", at="10:00", minutes="60", place=None):
    values = {
        "date": {"date": {"type": "datepicker", "selected_date": day}},
        "time": {"time": {"type": "timepicker", "selected_time": at}},
        "duration": {"duration": {"type": "static_select", "selected_option": {"value": minutes}}},
        "place": {"place": {"type": "plain_text_input", "value": place}},
    }
    return values


def open_booking(bot):
    return click_for_view(
        bot, uid(bot, "north_tm"), selection_dm(bot), "booking.open", "booking.submit"
    )


def current_selection_dm(bot):
    """The manager's selection DM as it reads now (after its updates)."""
    first = selection_dm(bot)
    assert bot.slack.wait_for(lambda: updates_of(bot, first["ts"]))
    return {**updates_of(bot, first["ts"])[-1], "ts": first["ts"]}


def book(bot, **kwargs):
    view = open_booking(bot)
    answer = bot.submit(uid(bot, "north_tm"), view, slot(**kwargs))
    assert answer.status == 200 and not answer.body, answer.body
    return view


def test_the_form_suggests_a_date_and_explains_each_bad_slot(running):
    view = open_booking(running)
    date_input = next(b for b in view["blocks"] if b.get("block_id") == "date")
    assert date_input["element"]["initial_date"] == "2026-12-14"  # 10 working days from 1 Dec
    manager = uid(running, "north_tm")
    cases = [
        (slot(day="2026-11-20"), "date", "has passed"),
        (slot(day="2026-12-12"), "date", "is a Saturday"),
        (slot(day="2026-12-25"), "date", "bank holiday (Christmas Day)"),
        (slot(day="2027-01-05"), "date", "due by Thursday 31 December 2026"),
        (slot(at="07:30"), "time", "working hours"),
        (slot(at="16:30", minutes="90"), "time", "end by 17:00"),
    ]
    for values, field, says in cases:
        answer = running.submit(manager, view, values)
        assert answer.json["response_action"] == "errors"
        assert says in answer.json["errors"][field]
    with running.services.make_session() as session:
        assert session.exec(select(Booking)).all() == []


def test_booking_tells_the_practitioner_and_updates_the_managers_message(running):
    book(running, place="Room 2")
    worker = uid(running, "north_worker")
    invite = running.dms_to(worker)[0]
    assert "has booked an audit discussion with you" in json.dumps(invite["blocks"])
    assert "Room 2" in json.dumps(invite["blocks"]) and "To prepare" in json.dumps(invite["blocks"])
    buttons = [
        e["action_id"] for b in invite["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["booking.can", "booking.cannot"]
    first = selection_dm(running)
    assert running.slack.wait_for(lambda: updates_of(running, first["ts"]))
    updated = json.dumps(updates_of(running, first["ts"])[-1]["blocks"])
    assert "Discussion booked" in updated and "booking.rebook" in updated
    assert "selection.request_redraw" not in updated


def test_the_same_form_submitted_twice_books_once(running):
    view = open_booking(running)
    manager = uid(running, "north_tm")
    assert not running.submit(manager, view, slot()).body
    assert not running.submit(manager, view, slot()).body
    with running.services.make_session() as session:
        assert len(session.exec(select(Booking)).all()) == 1


def test_the_practitioner_can_make_it_once(running):
    book(running)
    worker = uid(running, "north_worker")
    invite = running.dms_to(worker)[0]
    running.click(worker, invite, "booking.can")
    running.click(worker, invite, "booking.can")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert sorted(ephemeral_replies(running))[0].startswith("Thanks, you've already told")
    assert running.slack.wait_for(lambda: updates_of(running, invite["ts"]))
    assert "You said you can make it" in json.dumps(updates_of(running, invite["ts"])[-1])


def test_cant_make_it_asks_the_manager_to_rebook(running):
    book(running)
    worker = uid(running, "north_worker")
    invite = running.dms_to(worker)[0]
    view = click_for_view(running, worker, invite, "booking.cannot", "booking.cannot")
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "  "}}}
    assert "errors" in running.submit(worker, view, reason).json
    reason["reason"]["reason"]["value"] = "I'm in court that morning."
    assert not running.submit(worker, view, reason).body
    notices = running.dms_to(uid(running, "north_tm"), count=2)
    assert "can't make the audit discussion" in notices[1]["text"]
    assert "I'm in court that morning." in json.dumps(notices[1]["blocks"])


def test_rebooking_moves_it_and_old_buttons_say_the_booking_changed(running):
    book(running)
    worker, manager = uid(running, "north_worker"), uid(running, "north_tm")
    old_invite = running.dms_to(worker)[0]
    view = click_for_view(
        running, manager, current_selection_dm(running), "booking.rebook", "booking.submit"
    )
    assert not running.submit(manager, view, slot(day="2026-12-16", at="14:00")).body
    moved = running.dms_to(worker, count=2)[1]
    assert "has *moved* the audit discussion" in json.dumps(moved["blocks"])
    running.click(worker, old_invite, "booking.can")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "This booking has changed" in ephemeral_replies(running)[-1]
    with running.services.make_session() as session:
        statuses = sorted(b.status for b in session.exec(select(Booking)).all())
    assert statuses == ["booked", "moved"]


def test_cancelling_tells_the_practitioner(running):
    book(running)
    running.dms_to(uid(running, "north_worker"))  # told of it (an invite not yet sent is withdrawn)
    first = selection_dm(running)
    assert running.slack.wait_for(lambda: updates_of(running, first["ts"]))
    current = {**updates_of(running, first["ts"])[-1], "ts": first["ts"]}
    running.click(uid(running, "north_tm"), current, "booking.cancel")
    cancelled = running.dms_to(uid(running, "north_worker"), count=2)[1]
    assert "has cancelled the audit discussion" in json.dumps(cancelled["blocks"])
    assert running.slack.wait_for(
        lambda: "Booking cancelled" in json.dumps(updates_of(running, first["ts"])[-1])
    )


def test_another_manager_or_practitioner_cannot_act_on_it(running):
    book(running)
    running.click(uid(running, "south_tm"), selection_dm(running), "booking.open")
    invite = running.dms_to(uid(running, "north_worker"))[0]
    running.click(uid(running, "south_worker"), invite, "booking.can")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    replies = ephemeral_replies(running)
    assert "Only the team manager" in replies[0] and "Only the practitioner" in replies[1]


def test_reminders_go_once_each_and_a_moved_booking_never_reminds(running, clock):
    book(running)  # Tuesday 15 December 10:00
    services = running.services
    people = (uid(running, "north_worker"), uid(running, "north_tm"))

    def reminders():
        return [
            c.params
            for c in running.slack.calls("chat.postMessage")
            if c.params["text"].startswith("Reminder") and c.params["channel"] in people
        ]

    for moment, expected in [
        (datetime(2026, 12, 11, 8, 59, tzinfo=LONDON), 0),
        (datetime(2026, 12, 11, 9, 0, tzinfo=LONDON), 2),
        (datetime(2026, 12, 11, 9, 0, tzinfo=LONDON), 2),  # a re-run sends nothing new
        (datetime(2026, 12, 14, 12, 0, tzinfo=LONDON), 2),
        (datetime(2026, 12, 15, 9, 0, tzinfo=LONDON), 4),  # an hour before
    ]:
        clock.now = moment
        run_due_work(services, moment)
        running.wait_until_sent()  # the bot's own sender may have claimed some of them
        assert len(reminders()) == expected, moment
    assert "in an hour" in reminders()[-1]["text"]


def test_a_nine_o_clock_discussion_is_reminded_at_the_start_of_the_working_day(running, clock):
    book(running, at="09:00")  # Tuesday 15 December 09:00; working hours start at 09:00
    worker = uid(running, "north_worker")

    def soon_reminders():
        return [
            c.params["text"]
            for c in running.slack.calls("chat.postMessage")
            if c.params["channel"] == worker
            and c.params["text"].startswith("Reminder")
            and "coming up" not in c.params["text"]
        ]

    for moment, expected in [
        (datetime(2026, 12, 15, 8, 0, tzinfo=LONDON), 0),  # an hour before: not working time
        (datetime(2026, 12, 15, 8, 59, tzinfo=LONDON), 0),
        (datetime(2026, 12, 15, 9, 0, tzinfo=LONDON), 1),
    ]:
        clock.now = moment
        run_due_work(running.services, moment)
        running.wait_until_sent()
        assert len(soon_reminders()) == expected, moment
    assert "today" in soon_reminders()[0] and "in an hour" not in soon_reminders()[0]


def test_a_rebooked_slot_drops_the_old_reminders(running, clock):
    book(running)  # 15 December 10:00
    manager = uid(running, "north_tm")
    view = click_for_view(
        running, manager, current_selection_dm(running), "booking.rebook", "booking.submit"
    )
    assert not running.submit(manager, view, slot(day="2026-12-22", at="11:00")).body
    clock.now = datetime(2026, 12, 11, 9, 0, tzinfo=LONDON)
    run_due_work(running.services, clock.now)
    texts = [c.params["text"] for c in running.slack.calls("chat.postMessage")]
    assert not [t for t in texts if t.startswith("Reminder")]
    clock.now = datetime(2026, 12, 18, 9, 0, tzinfo=LONDON)  # two working days before the 22nd
    run_due_work(running.services, clock.now)
    texts = [c.params["text"] for c in running.slack.calls("chat.postMessage")]
    assert len([t for t in texts if t.startswith("Reminder")]) == 2


def test_after_the_slot_the_manager_is_asked_whether_it_happened(running, clock):
    book(running)
    manager = uid(running, "north_tm")
    clock.now = datetime(2026, 12, 15, 11, 0, tzinfo=LONDON)
    run_due_work(running.services, clock.now)
    question = running.dms_containing(manager, "happen?")[-1]
    running.click(manager, question, "booking.held")
    assert running.slack.wait_for(lambda: updates_of(running, question["ts"]))
    assert "the discussion happened" in json.dumps(updates_of(running, question["ts"])[-1])
    status = running.command(uid(running, "admin"), "status 2026-12").text
    assert "1* held" in status
    run_due_work(running.services, clock.now)
    assert len([m for m in running.dms_to(manager) if "happen?" in m["text"]]) == 1


def test_it_didnt_happen_needs_a_reason(running, clock):
    book(running)
    manager = uid(running, "north_tm")
    clock.now = datetime(2026, 12, 15, 11, 0, tzinfo=LONDON)
    run_due_work(running.services, clock.now)
    question = running.dms_containing(manager, "happen?")[-1]
    view = click_for_view(running, manager, question, "booking.not_held", "booking.not_held")
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "x"}}}
    assert "errors" in running.submit(manager, view, reason).json
    reason["reason"]["reason"]["value"] = "The practitioner was called to an emergency visit."
    assert not running.submit(manager, view, reason).body
    with running.services.make_session() as session:
        booking = session.exec(select(Booking)).one()
    assert booking.status == "not_held" and "emergency" in booking.closed_reason


def contact(choice=None, method=None, day=None, reason=None):
    return {
        "choice": {
            "choice": {
                "type": "radio_buttons",
                "selected_option": {"value": choice} if choice else None,
            }
        },
        "method": {
            "method": {
                "type": "static_select",
                "selected_option": {"value": method} if method else None,
            }
        },
        "planned_on": {"planned_on": {"type": "datepicker", "selected_date": day}},
        "reason": {"reason": {"type": "plain_text_input", "value": reason}},
    }


def contact_outcome(
    child=None, parents=None, *, child_reason=None, parents_reason=None, summary=None
):
    """The outcome form's state: the child's and the parents' or carers' outcomes apart."""

    def chosen(value):
        return {"type": "radio_buttons", "selected_option": {"value": value} if value else None}

    def typed(value):
        return {"type": "plain_text_input", "value": value}

    return {
        "child": {"child": chosen(child)},
        "child_reason": {"child_reason": typed(child_reason)},
        "parents": {"parents": chosen(parents)},
        "parents_reason": {"parents_reason": typed(parents_reason)},
        "summary": {"summary": typed(summary)},
    }


def test_family_contact_is_planned_or_its_absence_explained(running, clock):
    manager = uid(running, "north_tm")
    view = click_for_view(
        running, manager, selection_dm(running), "engagement.open", "engagement.submit"
    )
    for values, field in [
        (contact(), "choice"),
        (contact("plan"), "method"),
        (contact("plan", "phone", "2026-11-01"), "planned_on"),
        (contact("not_appropriate", reason="no"), "reason"),
    ]:
        answer = running.submit(manager, view, values)
        assert field in answer.json["errors"], (values, answer.json)
    assert not running.submit(manager, view, contact("plan", "phone", "2026-12-04")).body
    first = selection_dm(running)
    assert running.slack.wait_for(lambda: updates_of(running, first["ts"]))
    assert "planned by phone" in json.dumps(updates_of(running, first["ts"])[-1])

    clock.now = datetime(2026, 12, 7, 8, 59, tzinfo=LONDON)  # Friday's contact: asked on Monday
    run_due_work(running.services, clock.now)
    assert not [m for m in running.dms_to(manager) if "How did the contact" in m["text"]]
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)
    run_due_work(running.services, clock.now)
    prompt = running.dms_containing(manager, "How did the contact")[0]
    outcome_view = click_for_view(
        running, manager, prompt, "engagement.outcome.record", "engagement.outcome"
    )
    outcome = contact_outcome("engaged", "engaged", summary="Feels listened to at school.")
    assert not running.submit(manager, outcome_view, outcome).body
    with running.services.make_session() as session:
        engagement = session.exec(select(FamilyEngagement)).one()
    assert engagement.status == "views_obtained" and engagement.summary.startswith("Feels")
    assert running.slack.wait_for(
        lambda: "views obtained" in json.dumps(updates_of(running, first["ts"])[-1])
    )


def test_contact_not_appropriate_is_recorded_with_the_reason(running):
    manager = uid(running, "north_tm")
    view = click_for_view(
        running, manager, selection_dm(running), "engagement.open", "engagement.submit"
    )
    values = contact(
        "not_appropriate", reason="The young person asked not to be contacted this month."
    )
    assert not running.submit(manager, view, values).body
    with running.services.make_session() as session:
        engagement = session.exec(select(FamilyEngagement)).one()
    assert engagement.status == "not_appropriate" and "asked not to be" in engagement.reason
    # Counted apart: the child's contact not appropriate, the parents or carers not invited.
    outcomes = (engagement.child_outcome, engagement.parents_outcome)
    assert outcomes == ("inappropriate", "not_invited")
    assert engagement.child_reason == engagement.parents_reason == engagement.reason


def test_a_booked_case_cannot_be_redrawn_until_the_booking_is_cancelled(running):
    first = selection_dm(running)  # its "Ask for a different case" button, from before booking
    book(running)
    running.click(uid(running, "north_tm"), first, "selection.request_redraw")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "cancel the booking first" in ephemeral_replies(running)[-1]
    assert not views_opened(running, "selection.redraw")
