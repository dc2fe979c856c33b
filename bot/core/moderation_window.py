"""When moderation of a month's audits closes (`reaudit.moderation_window_day`): on that day of
the next month, or the first working day after it. Re-audits are due then and the final QA
briefing goes then."""

from __future__ import annotations

from datetime import date

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month


def moderation_closes_on(
    window_day: int | None, calendar: WorkingCalendar, audited: Month
) -> date | None:
    """None when the programme has no moderation window."""
    if window_day is None:
        return None
    return calendar.working_day_on_or_after(audited.plus(1).first_day.replace(day=window_day))
