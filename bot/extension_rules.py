"""The rules of extensions as plain functions of dates (no database, no clock)."""

from __future__ import annotations

from datetime import date

from bot.calendar import WorkingCalendar
from messages import plain_date

MIN_REASON = 10


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
