"""The rules of extensions as plain functions of dates and states (no database, no clock)."""

from __future__ import annotations

from datetime import date

from bot.core.calendar import WorkingCalendar
from messages import plain_date

MIN_REASON = 10
ALREADY_SUBMITTED = "This audit has been submitted: it needs no more time."
WAITING = "Your request for more time is with your service manager: wait for their answer."


def more_time_refusal(*, submitted: bool, waiting: bool) -> str | None:
    """Why more time cannot be asked for an audit now, or None when it can: a submitted audit
    needs none, and a request waits for its decision before another is made. The form follows
    this, and so does the chasing DM in offering its button (it is rendered afresh each day;
    the selection DM keeps its button until the audit is submitted, and a click while a request
    waits is answered with the reason)."""
    if submitted:
        return ALREADY_SUBMITTED
    if waiting:
        return WAITING
    return None


def extension_errors(
    new_due_on: date | None, old_due_on: date, reason: str, calendar: WorkingCalendar
) -> dict[str, str]:
    """Inline errors for the request form, by block id."""
    errors: dict[str, str] = {}
    if new_due_on is None:
        errors["until"] = "Pick the new due date."
    elif new_due_on <= old_due_on:
        errors["until"] = f"Pick a date after the current due date, {plain_date(old_due_on)}."
    elif not calendar.is_working_day(new_due_on):
        errors["until"] = f"{plain_date(new_due_on)} is not a working day: pick another."
    if len(reason.strip()) < MIN_REASON:
        errors["reason"] = f"Say why more time is needed (at least {MIN_REASON} characters)."
    return errors


def needs_approval(working_days: int, limit: int) -> bool:
    """Within the policy's limit an extension is granted at once; beyond it the service
    manager decides."""
    return working_days > limit
