"""The programme calendar: the day of the monthly draw, months the policy never audits (e.g.
August), one-off pauses an administrator sets with `/audit pause YYYY-MM reason…`, and the day
the selection DM suggests for the practitioner discussion."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest
from bot.core.months import Month
from bot.policy.schema import Policy
from models import ProgrammePause, SelectionRound, Staff

MIN_PAUSE_REASON = 5
PAUSED = "no selection: paused by"


def selection_day(policy: Policy, calendar: WorkingCalendar, month: Month) -> date:
    """The working day of the month the scheduled draw happens on (the first by default)."""
    first = calendar.first_working_day(month)
    return calendar.add_working_days(first, policy.programme.selection_working_day - 1)


def no_selection_reason(session: Session, policy: Policy, month: Month) -> str | None:
    """Why there is no selection in this month, or None when there is one."""
    if month.month in policy.programme.no_selection_months:
        return f"no selection: {month.first_day:%B} is not audited"
    pause = _pause_of(session, month)
    if pause is not None:
        return f"{PAUSED} {pause.paused_by} — {pause.reason}"
    return None


def months_without_selection(session: Session, policy: Policy, months: list[Month]) -> list[str]:
    """'August 2027: no selection: August is not audited', for each such month (reports)."""
    notes = []
    for month in months:
        reason = no_selection_reason(session, policy, month)
        if reason is not None:
            notes.append(f"{month.label}: {reason}")
    return notes


def is_paused(reason: str) -> bool:
    """A one-off pause (lifted with `/audit unpause`), not a month the policy never audits."""
    return reason.startswith(PAUSED)


def pause_month(
    session: Session, *, month: Month, reason: str, actor: Staff, today: date, now: datetime
) -> ProgrammePause:
    """Record that `month` has no selection; refused for a past, drawn or paused month."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_PAUSE_REASON:
        raise InvalidRequest(
            f"Please give a reason for pausing {month.label}, e.g. "
            f"`/audit pause {month} inspection month`."
        )
    if month < Month.of(today):
        raise InvalidRequest(f"{month.label} is over: there is nothing to pause.")
    existing = _pause_of(session, month)
    if existing is not None:
        raise InvalidRequest(
            f"{month.label} is already paused by {existing.paused_by} — {existing.reason}. "
            f"Nothing has been changed."
        )
    if session.exec(select(SelectionRound.id).where(SelectionRound.month == str(month))).first():
        raise InvalidRequest(
            f"The cases for {month.label} have already been drawn, so it can't be paused. "
            "Nothing has been changed."
        )
    pause = ProgrammePause(month=str(month), reason=reason, paused_by=actor.email, paused_at=now)
    session.add(pause)
    session.flush()
    auditlog.record(
        session, actor=actor.email, action="programme.pause", subject=str(month), now=now,
        reason=reason,
    )  # fmt: skip
    return pause


def unpause_month(session: Session, *, month: Month, actor: Staff, now: datetime) -> str:
    """Lift a month's pause; answers what was lifted."""
    pause = _pause_of(session, month)
    if pause is None:
        raise InvalidRequest(f"{month.label} is not paused. Nothing has been changed.")
    session.delete(pause)
    auditlog.record(
        session, actor=actor.email, action="programme.unpause", subject=str(month), now=now,
        was_paused_by=pause.paused_by, reason=pause.reason,
    )  # fmt: skip
    return pause.reason


def _pause_of(session: Session, month: Month) -> ProgrammePause | None:
    return session.exec(select(ProgrammePause).where(ProgrammePause.month == str(month))).first()


def suggested_discussion_date(
    notified_on: date, month: Month, policy: Policy, calendar: WorkingCalendar
) -> date:
    """The policy's lead time after the notification (default 10 working days, about two
    weeks), kept in the first half of the month while that is still ahead, never after the due
    date."""
    start = max(notified_on, month.first_day - timedelta(days=1))
    suggestion = calendar.add_working_days(start, policy.booking.lead_working_days)
    middle = date(month.year, month.month, 15)
    if start < middle < suggestion:
        suggestion = calendar.working_day_on_or_before(middle)
    return max(
        min(suggestion, calendar.last_working_day(month)), calendar.add_working_days(start, 1)
    )
