"""The TAC reflective case summary rules, as plain functions of dates (no database, no clock).

A summary is due a cadence after the last one: 10 weeks in a short-term team, 6 calendar months
in a long-term team (policy). A case never summarised is always flagged, and its first summary is
due a cadence after the TAC started (`Case.opened_on`; seed 000: "if one hasn't been completed for
ten weeks"), not from the day it opens. "Due soon" means due within the policy's window (14
days). A newly qualified practitioner's cases are flagged, and follow a shorter cadence only if
the policy gives one.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.policy.schema import TacInterval, TacPolicy

TAC_CASE_TYPE = "TAC"
NEVER = "never"
OVERDUE = "overdue"
DUE_SOON = "due_soon"
NEWLY_QUALIFIED = "newly_qualified"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31 August + 6 months: 28/29 Feb)."""
    target = Month.of(day).plus(months)
    last = month_calendar.monthrange(target.year, target.month)[1]
    return date(target.year, target.month, min(day.day, last))


def add_interval(day: date, interval: TacInterval) -> date:
    if interval.weeks is not None:
        return day + timedelta(weeks=interval.weeks)
    return add_months(day, interval.months or 0)


LONG_TERM = "long_term"


def cadence_for(team_type: str, policy: TacPolicy) -> TacInterval:
    return policy.cadence.long_term if team_type == LONG_TERM else policy.cadence.short_term


def cadence_words(interval: TacInterval) -> str:
    """'every 10 weeks', 'every 6 months', 'every month'."""
    count, unit = (interval.weeks, "week") if interval.weeks else (interval.months, "month")
    return f"every {unit}" if count == 1 else f"every {count} {unit}s"


@dataclass(frozen=True)
class SummaryStatus:
    """Where a TAC case stands: its last summary, when the next is due, and its flags."""

    last_summary_on: date | None
    next_due_on: date | None  # None: never summarised and no start date known, so due now
    flags: tuple[str, ...]

    @property
    def never(self) -> bool:
        return NEVER in self.flags

    @property
    def overdue(self) -> bool:
        return OVERDUE in self.flags

    @property
    def due_soon(self) -> bool:
        return DUE_SOON in self.flags

    @property
    def newly_qualified(self) -> bool:
        return NEWLY_QUALIFIED in self.flags

    @property
    def needs_attention(self) -> bool:
        """Overdue or due within the window (a first summary included), or never summarised with
        no start date to count from: listed in the weekly digest and on the Home tab."""
        return self.overdue or self.due_soon or (self.never and self.next_due_on is None)

    @property
    def urgency(self) -> int:
        """0 never summarised and due, 1 overdue, 2 due soon, 3 newly qualified or never
        summarised but not yet due, 4 not due."""
        if self.never and self.needs_attention:
            return 0
        for rank, flag in enumerate((OVERDUE, DUE_SOON), start=1):
            if flag in self.flags:
                return rank
        return 3 if self.newly_qualified or self.never else 4


def summary_status(
    last_summary_on: date | None,
    *,
    team_type: str,
    newly_qualified: bool,
    today: date,
    policy: TacPolicy,
    opened_on: date | None = None,
) -> SummaryStatus:
    """Where a case stands today. A case never summarised counts its first summary's due date
    from `opened_on` (when the TAC started); without it, it is due now."""
    flags: list[str] = []
    next_due: date | None = None
    since = last_summary_on or opened_on
    if last_summary_on is None:
        flags.append(NEVER)
    if since is not None:
        next_due = add_interval(since, cadence_for(team_type, policy))
        if newly_qualified and policy.newly_qualified_cadence is not None:
            next_due = min(next_due, add_interval(since, policy.newly_qualified_cadence))
        if next_due < today:
            flags.append(OVERDUE)
        elif next_due <= today + timedelta(days=policy.due_soon_days):
            flags.append(DUE_SOON)
    if newly_qualified:
        flags.append(NEWLY_QUALIFIED)
    return SummaryStatus(last_summary_on, next_due, tuple(flags))


@dataclass(frozen=True)
class AttentionCutoffs:
    """Per cadence, the last summary date (never summarised: the start date) after which no case
    can need attention today: lets a query skip the cases summarised (or started) since
    (`needs_attention` still decides each of the rest)."""

    short_term: date
    long_term: date
    newly_qualified: date | None


def attention_cutoffs(policy: TacPolicy, today: date) -> AttentionCutoffs:
    def cutoff(interval: TacInterval) -> date:
        return today + timedelta(days=policy.due_soon_days - _fewest_days(interval))

    newly_qualified = policy.newly_qualified_cadence
    return AttentionCutoffs(
        short_term=cutoff(policy.cadence.short_term),
        long_term=cutoff(policy.cadence.long_term),
        newly_qualified=cutoff(newly_qualified) if newly_qualified else None,
    )


def _fewest_days(interval: TacInterval) -> int:
    """No span of `months` calendar months is shorter than 28 days each."""
    return 7 * interval.weeks if interval.weeks is not None else 28 * (interval.months or 0)


def checkpoint_order(status: SummaryStatus, case_ref: str) -> tuple[int, date, str]:
    """Sort key: never summarised first, then overdue, due soon, the rest; earliest due first."""
    return (status.urgency, status.next_due_on or date.min, case_ref)


def page_bounds(total: int, per_page: int) -> list[tuple[int, int]]:
    """[start, end) of each page; at least one page."""
    if total <= 0:
        return [(0, 0)]
    return [(start, min(start + per_page, total)) for start in range(0, total, per_page)]


# -- when the scheduled TAC work is due (times are local, naive: AUDITBOT_TZ) -------------------


def weekly_digest_due(
    policy: TacPolicy, calendar: WorkingCalendar, local_now: datetime
) -> date | None:
    """The nominal digest day whose digest is due, if any (see `weekly_slot_due`)."""
    return calendar.weekly_slot_due(policy.digest_weekday, policy.digest_time, local_now)


def month_end_list_due(
    policy: TacPolicy, calendar: WorkingCalendar, local_now: datetime
) -> Month | None:
    """The month whose list of completed summaries is due: from the policy time on its last
    working day; after downtime, caught up within `catch_up_working_days` of the next month."""
    today = local_now.date()
    if not calendar.is_working_day(today):
        return None
    month = Month.of(today)
    send_on = calendar.last_working_day(month)
    if local_now >= datetime.combine(send_on, policy.month_end_list_time):
        return month
    previous = month.plus(-1)
    late_by = calendar.working_days_between(calendar.last_working_day(previous), today)
    return previous if late_by <= policy.catch_up_working_days else None


def task_reminder_day(due_on: date, policy: TacPolicy, calendar: WorkingCalendar) -> date | None:
    """The working day the practitioner is reminded of a summary due on `due_on` (None: never)."""
    if policy.task_reminder_working_days_before == 0:
        return None
    return calendar.add_working_days(due_on, -policy.task_reminder_working_days_before)


def latest_due_reminded_by(
    today: date, policy: TacPolicy, calendar: WorkingCalendar
) -> date | None:
    """The last due date whose reminder day is today or earlier (None: no reminders): a task
    due later is reminded on a later working day, so the sweep need not load it."""
    if policy.task_reminder_working_days_before == 0:
        return None
    after = calendar.add_working_days(today, policy.task_reminder_working_days_before + 1)
    return after - timedelta(days=1)


def task_reminder_due(
    *,
    due_on: date,
    created_on: date,
    policy: TacPolicy,
    calendar: WorkingCalendar,
    local_now: datetime,
) -> bool:
    """Remind once, from the policy time on the reminder day until the due date. A task set on
    or after its reminder day is not reminded: the task message itself is recent enough."""
    remind_on = task_reminder_day(due_on, policy, calendar)
    today = local_now.date()
    return (
        remind_on is not None
        and created_on < remind_on <= today <= due_on
        and calendar.is_working_day(today)
        and local_now.time() >= policy.task_reminder_time
    )
