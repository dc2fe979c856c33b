"""The QA briefing in Slack: on request (`/audit report`), and on the first working day of each
month to every administrator and head of service, for the month before (a month with no
selection too: the briefing says why).

Each person gets a short summary message, then the Markdown summary and the chart, the tables
(CSV), and, when they are entitled to any of it, the cases-of-concern register, all through the
outbox. Who may see the register (it names cases): an administrator sees all of it; a service
manager or head of service sees the entries of the team managers in their line (managed by them
directly, or by a service manager they manage). Nobody else asks for the briefing: `/audit
report` is refused to them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlmodel import Session, col, or_, select

from bot.core import auditlog
from bot.core.errors import InvalidRequest
from bot.core.line import sees_line_of
from bot.core.months import Month
from bot.core.outbox import queue_dm, queue_files_dm
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.policy.schema import Policy
from bot.report.figures import Briefing, RegisterEntry, compute_briefing
from bot.report.files import Files, register_file, summary_files, table_files
from bot.report.period import Period
from bot.selection.programme_calendar import months_without_selection, no_selection_reason
from messages import render
from models import AuditLogEntry, SelectionRound, Staff
from models.statuses import StaffStatus

log = logging.getLogger(__name__)

MONTHLY_RECIPIENT_ROLES = ("admin", "head_of_service")
MONTHLY_SEND = "report.monthly.send"


def request_briefing(uow: UnitOfWork, period: Period) -> Briefing:
    """Compute the period's briefing and queue it to the DM of the person who asked."""
    session, person, now = uow.session, uow.actor, uow.now
    today = uow.calendar.local(now).date()
    if period.first_day > today:
        raise InvalidRequest(f"{period.label} has not started yet: there is nothing to report.")
    briefing = briefing_as_of(session, uow.policy, uow.calendar.timezone, period, today)
    # Keyed to the minute: the same command typed twice at once sends one briefing.
    key = f"qa-briefing:{period}:{person.id}:{now:%Y%m%dT%H%M}"
    queue_briefing(session, briefing, person, key=key, now=now)
    auditlog.record(
        session, actor=person.email, action="report.request", subject=_subject(period), now=now
    )
    return briefing


def briefing_as_of(
    session: Session, policy: Policy, timezone: tzinfo, period: Period, today: date
) -> Briefing:
    briefing = compute_briefing(
        session,
        period,
        framework=policy.framework,
        timezone=timezone,
        as_of=today,
        rounds=policy.rounds,
    )
    briefing.no_selection = months_without_selection(session, policy, period.months)
    return briefing


def send_monthly_briefings(session: Session, tick: Tick) -> int:
    """On the first working day of a month, from the policy's time, send last month's briefing
    to the administrators and heads of service, once: a later run finds it sent (the audit log
    says so) and does nothing. A month without a selection round has nothing to report."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    local = calendar.local(now)
    month = Month.of(local.date())
    first = calendar.first_working_day(month)
    if local < calendar.at(first, policy.report.monthly_send_time):
        return 0
    period = Period.month(month.plus(-1))
    if _already_sent(session, period) or not (
        _was_drawn(session, period.first) or no_selection_reason(session, policy, period.first)
    ):
        return 0
    recipients = _monthly_recipients(session)
    if not recipients:
        log.warning("no administrator or head of service to send the %s QA briefing to", period)
    briefing = briefing_as_of(session, policy, tick.timezone, period, local.date())
    files = BriefingFiles.of(briefing)  # the same chart and tables for everyone: made once
    for person in recipients:
        key = f"qa-briefing:{period}:{person.id}"
        queue_briefing(session, briefing, person, key=key, now=now, files=files)
    auditlog.record(
        session,
        actor="scheduler",
        action=MONTHLY_SEND,
        subject=_subject(period),
        now=now,
        recipients=len(recipients),
    )
    return len(recipients)


@dataclass(frozen=True)
class BriefingFiles:
    """The files every reader of a briefing gets (the register differs per reader)."""

    summary: Files
    tables: Files

    @classmethod
    def of(cls, briefing: Briefing) -> BriefingFiles:
        return cls(summary=summary_files(briefing), tables=table_files(briefing))


def queue_briefing(
    session: Session,
    briefing: Briefing,
    person: Staff,
    *,
    key: str,
    now: datetime,
    files: BriefingFiles | None = None,
) -> None:
    files = files or BriefingFiles.of(briefing)
    register = register_for(person, briefing.register)
    label = briefing.period.label
    common = {"recipient": person, "concern": _subject(briefing.period), "now": now}
    queue_dm(
        session,
        key=f"{key}:message",
        message=render("report_briefing_dm", briefing=briefing, register=register),
        **common,
    )
    queue_files_dm(
        session,
        key=f"{key}:summary",
        files=files.summary,
        comment=f"QA briefing, {label}: the summary and the chart.",
        **common,
    )
    queue_files_dm(
        session,
        key=f"{key}:tables",
        files=files.tables,
        comment=f"QA briefing, {label}: the tables, one CSV file each.",
        **common,
    )
    if register:
        queue_files_dm(
            session,
            key=f"{key}:register",
            files=register_file(briefing.period, register),
            comment=(
                f"Cases of concern from the {label} audits that you are entitled to see. "
                "It names cases: please do not share it."
            ),
            **common,
        )


def register_for(person: Staff, entries: list[RegisterEntry]) -> list[RegisterEntry]:
    """The register entries this person is entitled to see (see the module's docstring)."""
    return [entry for entry in entries if sees_line_of(person, entry.line_manager_ids)]


def _subject(period: Period) -> str:
    return f"qa-briefing:{period}"


def _already_sent(session: Session, period: Period) -> bool:
    return (
        session.exec(
            select(AuditLogEntry.id).where(
                AuditLogEntry.action == MONTHLY_SEND, AuditLogEntry.subject == _subject(period)
            )
        ).first()
        is not None
    )


def _was_drawn(session: Session, month: Month) -> bool:
    found = select(SelectionRound.id).where(SelectionRound.month == str(month))
    return session.exec(found).first() is not None


def _monthly_recipients(session: Session) -> list[Staff]:
    candidates = session.exec(
        select(Staff)
        .where(Staff.status == StaffStatus.ACTIVE)
        .where(or_(*(col(Staff.roles).contains(role) for role in MONTHLY_RECIPIENT_ROLES)))
        .order_by(Staff.email)
    ).all()
    return [person for person in candidates if person.has_role(*MONTHLY_RECIPIENT_ROLES)]
