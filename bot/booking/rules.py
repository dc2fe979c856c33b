"""Rules for the practitioner discussion and the family contact: plain functions of dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.calendar import WorkingCalendar
from bot.policy.schema import Policy
from messages import plain_date


@dataclass(frozen=True)
class Slot:
    day: date
    starts: time
    duration_minutes: int

    def start_in(self, calendar: WorkingCalendar) -> datetime:
        return calendar.at(self.day, self.starts)


def slot_errors(
    slot: Slot, *, now: datetime, due_on: date, calendar: WorkingCalendar
) -> dict[str, str]:
    """Problems with a proposed discussion slot, by form field ("date", "time")."""
    today = calendar.local(now).date()
    if slot.day < today:
        return {"date": "That date has passed: please pick today or a later day."}
    if not calendar.is_working_day(slot.day):
        holiday = calendar.bank_holiday_name(slot.day)
        what = f"a bank holiday ({holiday})" if holiday else f"a {slot.day:%A}"
        return {"date": f"{plain_date(slot.day)} is {what}: please pick a working day."}
    if slot.day > due_on:
        return {"date": f"The audit is due by {plain_date(due_on)}: please book on or before it."}
    start = slot.start_in(calendar)
    end = start + timedelta(minutes=slot.duration_minutes)
    if (
        slot.starts < calendar.day_starts
        or end.time() > calendar.day_ends
        or end.date() != slot.day
    ):
        return {
            "time": f"Please pick a time within working hours: the discussion must start at "
            f"{calendar.day_starts:%H:%M} or later and end by {calendar.day_ends:%H:%M}."
        }
    if start <= now:
        return {"time": "That time has passed: please pick a later time."}
    return {}


# How long after a discussion at the very start of the working day its "starts now" reminder
# may still go (the sweep wakes each minute, so it lands a few seconds after the start).
DAY_START_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class Reminder:
    kind: str  # "days" or "hour"
    at: datetime


def booking_reminders(
    starts_at: datetime, policy: Policy, calendar: WorkingCalendar
) -> list[Reminder]:
    """When the people in a discussion are reminded of it (policy: working days before at a
    time, and minutes before). The minutes-before one never goes before the working day starts:
    for a discussion early in the day it goes at the start of the working day."""
    rules = policy.booking
    local_day = calendar.local(starts_at).date()
    reminders = []
    if rules.reminder_working_days_before:
        day = calendar.add_working_days(local_day, -rules.reminder_working_days_before)
        reminders.append(Reminder("days", calendar.at(day, rules.reminder_time)))
    if rules.reminder_minutes_before:
        day_starts = calendar.at(local_day, calendar.day_starts)
        before = starts_at - timedelta(minutes=rules.reminder_minutes_before)
        reminders.append(Reminder("hour", max(before, min(day_starts, starts_at))))
    return sorted(reminders, key=lambda reminder: reminder.at)


def due_reminder(
    starts_at: datetime,
    booked_at: datetime,
    now: datetime,
    policy: Policy,
    calendar: WorkingCalendar,
) -> Reminder | None:
    """The reminder to send at `now`, if any: the latest one whose time has come, provided the
    booking already existed then (a slot booked tomorrow needs no "two days before") and the
    discussion has not started. A late "days before" reminder (after downtime) waits for
    working time rather than arriving at night; the hour-before one is always in the day. One
    moved to the start of the working day, a discussion that starts then, goes in its first
    `DAY_START_GRACE` rather than never."""
    due = [r for r in booking_reminders(starts_at, policy, calendar) if booked_at < r.at <= now]
    if not due or (due[-1].kind == "days" and not calendar.is_working_time(now)):
        return None
    latest = starts_at + (DAY_START_GRACE if due[-1].at == starts_at else timedelta(0))
    return due[-1] if now < latest else None


def follow_up_due(ends_at: datetime, now: datetime, calendar: WorkingCalendar) -> bool:
    """Ask "did it happen?" once the slot is over, inside working time."""
    return now >= ends_at and calendar.is_working_time(now)


def engagement_prompt_at(planned_on: date, policy: Policy, calendar: WorkingCalendar) -> datetime:
    """The outcome of planned family contact is asked for on the next working day after it."""
    day = calendar.add_working_days(planned_on, 1)
    return calendar.at(day, policy.engagement.outcome_prompt_time)


def engagement_prompt_due(
    planned_on: date, now: datetime, policy: Policy, calendar: WorkingCalendar
) -> bool:
    return now >= engagement_prompt_at(planned_on, policy, calendar) and calendar.is_working_time(
        now
    )
