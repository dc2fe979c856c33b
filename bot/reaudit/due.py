"""When a re-audit is due: plain functions of the policy, the calendar and the day.

Re-audits are done in the month after the audits they moderate (the "re-audit month"): the
monthly draw of December gives out November's audits (or, per manager, October's), and with
`every_audit` an audit of November is moderated in December. With `moderation_window_day`,
moderation of a month's audits closes on that day of the re-audit month, the working day on or
after it; without it, a re-audit is due on the re-audit month's last working day, or
`due_working_days` after it is given out.
"""

from __future__ import annotations

from datetime import date

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.policy.schema import ReauditPolicy


def window_closes_on(calendar: WorkingCalendar, window_day: int, reaudit_month: Month) -> date:
    """The working day on or after `window_day` of the re-audit month."""
    return calendar.working_day_on_or_after(
        date(reaudit_month.year, reaudit_month.month, window_day)
    )


def reaudit_due_on(
    rules: ReauditPolicy,
    calendar: WorkingCalendar,
    reaudit_month: Month,
    today: date,
    *,
    windowed: bool = True,
) -> date:
    """The due date of a re-audit given out `today` in `reaudit_month`. A window that has
    already closed (a late draw, a late audit) gives way to the usual rule, so nothing is born
    overdue; `windowed=False` (the head of service's yearly sample) ignores the window."""
    if windowed and rules.moderation_window_day is not None:
        closes = window_closes_on(calendar, rules.moderation_window_day, reaudit_month)
        if closes >= today:
            return closes
    if rules.due_working_days is not None:
        return calendar.add_working_days(today, rules.due_working_days)
    return calendar.last_working_day(reaudit_month)
