"""The QA briefing in Slack: on request (`/audit report`), and on the first working day of each
month to every administrator and head of service, for the month before (a month with no
selection too: the briefing says why).

With a moderation window (`reaudit.moderation_window_day`), the first working day's briefing is
provisional, and the final one follows when the window closes, with the judgements as
moderated. A tick that first runs after the window has closed sends only the final one.

Each person gets a short summary message, then the Markdown summary and the chart, the tables
(CSV), and, when they are entitled to any of it, the cases-of-concern register and the impact
statements of the Good audits ("what Good looks like"), all through the outbox. Who may see
those (they name cases): an administrator sees all of them; a service manager or head of
service sees the entries of the team managers in their line (managed by them directly, or by a
service manager they manage). Nobody else asks for the briefing: `/audit
report` is refused to them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlmodel import Session, col, or_, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest
from bot.core.line import sees_line_of
from bot.core.moderation_window import moderation_closes_on
from bot.core.months import Month
from bot.core.outbox import MAX_FILES_PER_UPLOAD, queue_dm, queue_files_dm
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.policy.schema import Policy
from bot.report.figures import Briefing, RegisterEntry, compute_briefing
from bot.report.files import (
    Files,
    good_practice_file,
    register_file,
    summary_files,
    table_files,
)
from bot.report.learning import GoodPractice
from bot.report.period import Period
from bot.report.round_findings import findings_file, findings_for
from bot.selection.programme_calendar import months_without_selection, no_selection_reason
from messages import render
from models import AuditLogEntry, SelectionRound, Staff
from models.statuses import StaffStatus

log = logging.getLogger(__name__)

Entitled = TypeVar("Entitled", RegisterEntry, GoodPractice)

MONTHLY_RECIPIENT_ROLES = ("admin", "head_of_service")
MONTHLY_SEND = "report.monthly.send"
MONTHLY_FINAL = "report.monthly.final"  # after the moderation window closed
PROVISIONAL, FINAL = "provisional", "final"


def request_briefing(uow: UnitOfWork, period: Period) -> Briefing:
    """Compute the period's briefing and queue it to the DM of the person who asked."""
    session, person, now = uow.session, uow.actor, uow.now
    today = uow.calendar.local(now).date()
    if period.first_day > today:
        raise InvalidRequest(f"{period.label} has not started yet: there is nothing to report.")
    briefing = briefing_as_of(session, uow.policy, uow.calendar, period, today)
    # Keyed to the minute: the same command typed twice at once sends one briefing.
    key = f"qa-briefing:{period}:{person.id}:{now:%Y%m%dT%H%M}"
    queue_briefing(session, briefing, person, key=key, now=now)
    auditlog.record(
        session, actor=person.email, action="report.request", subject=_subject(period), now=now
    )
    return briefing


def briefing_as_of(
    session: Session, policy: Policy, calendar: WorkingCalendar, period: Period, today: date
) -> Briefing:
    briefing = compute_briefing(
        session,
        period,
        framework=policy.framework,
        timezone=calendar.timezone,
        as_of=today,
        rounds=policy.rounds,
        trend_periods=policy.report.trend_periods,
    )
    briefing.no_selection = months_without_selection(session, policy, period.months)
    window_day = policy.reaudit.moderation_window_day
    closes_on = moderation_closes_on(window_day, calendar, period.months[-1])
    if closes_on is not None:
        briefing.stage = FINAL if today >= closes_on else PROVISIONAL
    return briefing


def send_monthly_briefings(session: Session, tick: Tick) -> int:
    """From the policy's time on the first working day of a month, send last month's briefing
    to the administrators and heads of service, once (the audit log says it was sent); with a
    moderation window, the final one from that time on the day it closes. A month without a
    selection round has nothing to report."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    local = calendar.local(now)
    month = Month.of(local.date())
    period = Period.month(month.plus(-1))
    closes_on = moderation_closes_on(policy.reaudit.moderation_window_day, calendar, period.first)
    send_time = policy.report.monthly_send_time
    if closes_on is not None and local >= calendar.at(closes_on, send_time):
        action = MONTHLY_FINAL
    elif local >= calendar.at(calendar.first_working_day(month), send_time):
        action = MONTHLY_SEND
    else:
        return 0
    if _already_sent(session, period, action, MONTHLY_FINAL) or not (
        _was_drawn(session, period.first) or no_selection_reason(session, policy, period.first)
    ):
        return 0
    recipients = _monthly_recipients(session)
    if not recipients:
        log.warning("no administrator or head of service to send the %s QA briefing to", period)
    briefing = briefing_as_of(session, policy, calendar, period, local.date())
    files = BriefingFiles.of(briefing)  # the same chart and tables for everyone: made once
    stage = f":{briefing.stage}" if briefing.stage else ""
    for person in recipients:
        key = f"qa-briefing:{period}{stage}:{person.id}"
        queue_briefing(session, briefing, person, key=key, now=now, files=files)
    auditlog.record(
        session,
        actor="scheduler",
        action=action,
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
    good_practice = register_for(person, briefing.good_practice)
    label = briefing.period.label
    common = {"recipient": person, "concern": _subject(briefing.period), "now": now}
    queue_dm(
        session,
        key=f"{key}:message",
        message=render(
            "report_briefing_dm",
            briefing=briefing,
            register=register,
            good_practice=good_practice,
        ),
        **common,
    )
    queue_files_dm(
        session,
        key=f"{key}:summary",
        files=files.summary,
        comment=f"QA briefing, {label}: the summary and the chart.",
        **common,
    )
    batches = _batches(files.tables)  # Slack takes at most 10 files in one upload
    for number, batch in enumerate(batches, start=1):
        part = f" ({number} of {len(batches)})" if len(batches) > 1 else ""
        queue_files_dm(
            session,
            key=f"{key}:tables" + (f":{number}" if number > 1 else ""),
            files=batch,
            comment=f"QA briefing, {label}: the tables, one CSV file each{part}.",
            **common,
        )
    naming_cases = (
        ("register", register, register_file, f"Cases of concern from the {label} audits"),
        (
            "good-practice",
            good_practice,
            good_practice_file,
            f"What does Good look like? The impact statements of the {label} audits judged "
            "Good or better",
        ),
    )
    findings = findings_for(person, briefing)  # issue 25: free text, entitled readers only
    if findings:
        queue_files_dm(
            session,
            key=f"{key}:audit-day-findings",
            files=findings_file(briefing.period, findings),
            comment=(
                f"The findings of the {label} audit days: strengths, weaknesses and "
                "recommendations. For administrators and heads of service: please do not share it."
            ),
            **common,
        )
    for part, entries, file_of, what in naming_cases:
        if entries:
            queue_files_dm(
                session,
                key=f"{key}:{part}",
                files=file_of(briefing.period, entries),
                comment=(
                    f"{what} that you are entitled to see. It names cases: please do not share it."
                ),
                **common,
            )


def _batches(files: Files) -> list[Files]:
    names = list(files)
    return [
        {name: files[name] for name in names[start : start + MAX_FILES_PER_UPLOAD]}
        for start in range(0, len(names), MAX_FILES_PER_UPLOAD)
    ]


def register_for(person: Staff, entries: list[Entitled]) -> list[Entitled]:
    """The entries naming cases this person is entitled to see (see the module's docstring)."""
    return [entry for entry in entries if sees_line_of(person, entry.line_manager_ids)]


def _subject(period: Period) -> str:
    return f"qa-briefing:{period}"


def _already_sent(session: Session, period: Period, *actions: str) -> bool:
    """Whether any of `actions` was recorded for the period (once the final briefing has gone,
    a provisional one never follows it)."""
    return (
        session.exec(
            select(AuditLogEntry.id).where(
                col(AuditLogEntry.action).in_(actions), AuditLogEntry.subject == _subject(period)
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
