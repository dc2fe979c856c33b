from datetime import UTC, date, datetime, time

import pytest

from bot.booking.rules import (
    Reminder,
    Slot,
    booking_reminders,
    due_reminder,
    engagement_prompt_at,
    engagement_prompt_due,
    follow_up_due,
    slot_errors,
)
from bot.core.calendar import LONDON

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
DUE = date(2026, 12, 31)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("slot", "field", "says"),
    [
        (Slot(date(2026, 11, 30), time(10), 60), "date", "has passed"),
        (Slot(date(2026, 12, 5), time(10), 60), "date", "Saturday 5 December 2026 is a Saturday"),
        (Slot(date(2026, 12, 25), time(10), 60), "date", "is a bank holiday (Christmas Day)"),
        (Slot(date(2026, 12, 28), time(10), 60), "date", "bank holiday (Boxing Day (observed))"),
        (Slot(date(2027, 1, 4), time(10), 60), "date", "due by Thursday 31 December 2026"),
        (Slot(date(2026, 12, 15), time(8, 30), 60), "time", "working hours"),
        (Slot(date(2026, 12, 15), time(16, 30), 60), "time", "end by 17:00"),
        (Slot(date(2026, 12, 1), time(9, 0), 60), "time", "has passed"),
    ],
)
def test_each_bad_slot_is_explained_on_its_field(working_calendar, slot, field, says):
    errors = slot_errors(slot, now=NOW, due_on=DUE, calendar=working_calendar)
    assert list(errors) == [field]
    assert says in errors[field]


@pytest.mark.parametrize(
    "slot",
    [
        Slot(date(2026, 12, 15), time(9, 0), 60),
        Slot(date(2026, 12, 15), time(16, 0), 60),  # ends exactly at 17:00
        Slot(date(2026, 12, 1), time(14, 0), 120),  # later today
        Slot(date(2026, 12, 31), time(10, 0), 60),  # the due date itself
    ],
)
def test_good_slots_pass(working_calendar, slot):
    assert slot_errors(slot, now=NOW, due_on=DUE, calendar=working_calendar) == {}


def test_reminders_are_two_working_days_before_at_nine_and_an_hour_before(working_calendar, policy):
    # Tuesday 29 December 2026: 28th (Boxing Day observed) and 25th are bank holidays.
    starts = local(2026, 12, 29, 14, 0)
    reminders = booking_reminders(starts, policy, working_calendar)
    assert [(r.kind, r.at) for r in reminders] == [
        ("days", local(2026, 12, 23, 9, 0)),
        ("hour", local(2026, 12, 29, 13, 0)),
    ]


def test_the_hour_before_reminder_never_goes_before_the_working_day(working_calendar, policy):
    early = booking_reminders(local(2026, 12, 15, 9, 30), policy, working_calendar)
    assert early[-1] == Reminder("hour", local(2026, 12, 15, 9, 0))
    at_nine = booking_reminders(local(2026, 12, 15, 9, 0), policy, working_calendar)
    assert at_nine[-1] == Reminder("hour", local(2026, 12, 15, 9, 0))


def test_a_nine_o_clock_discussion_is_reminded_at_the_start_of_the_day(working_calendar, policy):
    starts = local(2026, 12, 15, 9, 0)
    booked = local(2026, 12, 1, 12, 0)
    at_eight = due_reminder(starts, booked, local(2026, 12, 15, 8, 0), policy, working_calendar)
    assert at_eight is None  # no reminder at all before working time
    at_nine = due_reminder(starts, booked, local(2026, 12, 15, 9, 0, 20), policy, working_calendar)
    assert at_nine.kind == "hour"
    late = due_reminder(starts, booked, local(2026, 12, 15, 9, 30), policy, working_calendar)
    assert late is None


def test_the_due_reminder_is_the_latest_whose_time_has_come(working_calendar, policy):
    starts = local(2026, 12, 15, 10, 0)
    booked = local(2026, 12, 1, 12, 0)
    assert (
        due_reminder(starts, booked, local(2026, 12, 11, 8, 59), policy, working_calendar) is None
    )
    days = due_reminder(starts, booked, local(2026, 12, 11, 9, 0), policy, working_calendar)
    assert days.kind == "days"
    hour = due_reminder(starts, booked, local(2026, 12, 15, 9, 0), policy, working_calendar)
    assert hour.kind == "hour"
    assert (
        due_reminder(starts, booked, local(2026, 12, 15, 10, 0), policy, working_calendar) is None
    )


def test_no_two_days_before_reminder_for_a_slot_booked_the_day_before(working_calendar, policy):
    starts = local(2026, 12, 15, 10, 0)
    booked = local(2026, 12, 14, 16, 0)
    at_nine = due_reminder(starts, booked, local(2026, 12, 15, 8, 0), policy, working_calendar)
    assert at_nine is None
    assert (
        due_reminder(starts, booked, local(2026, 12, 15, 9, 0), policy, working_calendar).kind
        == "hour"
    )


def test_the_follow_up_waits_for_the_end_of_the_slot_and_working_time(working_calendar):
    ends = local(2026, 12, 15, 11, 0)
    assert not follow_up_due(ends, local(2026, 12, 15, 10, 59), working_calendar)
    assert follow_up_due(ends, local(2026, 12, 15, 11, 0), working_calendar)
    late = local(2026, 12, 18, 16, 0)
    assert not follow_up_due(late, local(2026, 12, 18, 17, 30), working_calendar)  # evening
    assert not follow_up_due(late, local(2026, 12, 19, 10, 0), working_calendar)  # Saturday
    assert follow_up_due(late, local(2026, 12, 21, 9, 0), working_calendar)


def test_the_family_contact_outcome_is_asked_the_next_working_day(working_calendar, policy):
    assert engagement_prompt_at(date(2026, 12, 4), policy, working_calendar) == local(
        2026, 12, 7, 9, 0
    )
    assert engagement_prompt_at(date(2026, 12, 24), policy, working_calendar) == local(
        2026, 12, 29, 9, 0
    )


def test_a_late_reminder_waits_for_working_time(working_calendar, policy):
    starts = local(2026, 12, 15, 14, 0)
    booked = local(2026, 12, 1, 12, 0)
    # The sweep was down at 09:00 on Friday 11th; at 22:00 it waits, on Monday morning it goes.
    assert (
        due_reminder(starts, booked, local(2026, 12, 11, 22, 0), policy, working_calendar) is None
    )
    monday = due_reminder(starts, booked, local(2026, 12, 14, 9, 0), policy, working_calendar)
    assert monday.kind == "days"


def test_the_family_contact_question_waits_for_working_time(working_calendar, policy):
    planned = date(2026, 12, 4)
    assert not engagement_prompt_due(planned, local(2026, 12, 7, 8, 59), policy, working_calendar)
    assert engagement_prompt_due(planned, local(2026, 12, 7, 9, 0), policy, working_calendar)
    assert not engagement_prompt_due(planned, local(2026, 12, 7, 19, 0), policy, working_calendar)
    assert engagement_prompt_due(planned, local(2026, 12, 8, 9, 30), policy, working_calendar)
