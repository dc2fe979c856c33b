"""The rules of extensions as plain functions of dates and states (no database, no clock)."""

from __future__ import annotations

from datetime import date

from bot.core.calendar import WorkingCalendar
from messages import plain_date

MIN_REASON = 10
ALREADY_SUBMITTED = "This audit has been submitted: it needs no more time."
WAITING = "Your request for more time is with your service manager: wait for their answer."
TURNED_OFF = (
    "Extensions are turned off in this authority's audit policy: the audit is due by its "
    "current date. Please speak to your service manager."
)


def more_time_refusal(*, submitted: bool, waiting: bool, enabled: bool = True) -> str | None:
    """Why more time cannot be asked for an audit now, or None when it can: a submitted audit
    needs none, and a request waits for its decision before another is made. The form follows
    this, and so does the chasing DM in offering its button (it is rendered afresh each day;
    the selection DM keeps its button until the audit is submitted, and a click while a request
    waits is answered with the reason). With extensions turned off by policy there is none."""
    if not enabled:
        return TURNED_OFF
    if submitted:
        return ALREADY_SUBMITTED
    if waiting:
        return WAITING
    return None


def extension_errors(
    new_due_on: date | None,
    old_due_on: date,
    reason: str,
    calendar: WorkingCalendar,
    max_working_days: int | None = None,
) -> dict[str, str]:
    """Inline errors for the request form, by block id; `max_working_days` is the policy's
    cap on an extension (None: none)."""
    errors: dict[str, str] = {}
    if new_due_on is None:
        errors["until"] = "Pick the new due date."
    elif new_due_on <= old_due_on:
        errors["until"] = f"Pick a date after the current due date, {plain_date(old_due_on)}."
    elif not calendar.is_working_day(new_due_on):
        errors["until"] = f"{plain_date(new_due_on)} is not a working day: pick another."
    elif (
        max_working_days is not None
        and calendar.working_days_between(old_due_on, new_due_on) > max_working_days
    ):
        latest = calendar.add_working_days(old_due_on, max_working_days)
        errors["until"] = (
            f"An extension can be at most {max_working_days} working days: pick "
            f"{plain_date(latest)} or earlier."
        )
    if len(reason.strip()) < MIN_REASON:
        errors["reason"] = f"Say why more time is needed (at least {MIN_REASON} characters)."
    return errors


def needs_approval(working_days: int, limit: int) -> bool:
    """Within the policy's limit an extension is granted at once; beyond it the service
    manager decides."""
    return working_days > limit
