"""Once a year, from the first working day of the policy's month, the senior manager above each
active team manager is asked by DM to audit that manager's supervision file. One row per year
and team manager (unique), so a re-run or a second instance asks once; a team manager who joins
later in that month is asked for too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from bot.core import auditlog
from bot.core.line import ladder_person
from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.core.tick import Tick
from bot.policy.schema import Policy
from messages import render
from models import AuditLogEntry, Staff, SupervisionFileAudit
from models.statuses import StaffStatus

ROLE_WORDS = {"head_of_service": "head of service", "service_manager": "service manager"}


def ask_for_supervision_file_audits(session: Session, tick: Tick) -> int:
    """Ask for this year's audits not asked for yet; how many were asked for."""
    rule, calendar, now, today = (
        tick.policy.supervision_file_audit,
        tick.calendar,
        tick.now,
        tick.today,
    )
    if not rule.enabled or today.month != rule.month or not calendar.is_working_time(now):
        return 0
    if today < calendar.first_working_day(Month(today.year, rule.month)):
        return 0
    asked = set(
        session.exec(
            select(SupervisionFileAudit.supervisor_id).where(
                SupervisionFileAudit.year == today.year
            )
        ).all()
    )
    managers = session.exec(
        select(Staff)
        .where(Staff.status == StaffStatus.ACTIVE, col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    queued = 0
    for manager in managers:
        if manager.id in asked or not manager.has_role("team_manager"):
            continue
        auditor = ladder_person(session, manager, rule.auditor_role)
        if auditor is None:
            _log_nobody_above(session, manager, today.year, tick)
            continue
        audit = SupervisionFileAudit(
            year=today.year,
            supervisor_id=manager.id,
            auditor_id=auditor.id,
            requested_at=now,
            due_on=calendar.add_working_days(today, rule.due_working_days),
        )
        session.add(audit)
        session.flush()
        queue_dm(
            session,
            key=request_key(audit),
            recipient=auditor,
            message=render(
                "supervision_audit_dm", **supervision_audit_context(session, audit, tick.policy)
            ),
            concern=f"supervisionfileaudit:{audit.id}",
            now=now,
        )
        queued += 1
    return queued


def request_key(audit: SupervisionFileAudit) -> str:
    return f"supervision-audit:{audit.year}:{audit.supervisor_id}:request"


def supervision_audit_context(
    session: Session, audit: SupervisionFileAudit, policy: Policy
) -> dict[str, Any]:
    """What the DMs and the form show of a supervision file audit."""
    return {
        "audit": audit,
        "supervisor": session.get(Staff, audit.supervisor_id),
        "auditor": session.get(Staff, audit.auditor_id),
        "completed_by": session.get(Staff, audit.completed_by_id)
        if audit.completed_by_id
        else None,
        "role": ROLE_WORDS[policy.supervision_file_audit.auditor_role],
    }


def _log_nobody_above(session: Session, manager: Staff, year: int, tick: Tick) -> None:
    """Once a year per team manager: nobody in the role is above them on the staff list."""
    subject = f"supervision:{year}:{manager.id}"
    action = "supervision_audit.no_auditor"
    logged = select(func.count()).where(
        AuditLogEntry.action == action, AuditLogEntry.subject == subject
    )
    if not session.exec(logged).one():
        auditlog.record(
            session, actor="scheduler", action=action, subject=subject, now=tick.now,
            role=tick.policy.supervision_file_audit.auditor_role,
        )  # fmt: skip


@dataclass(frozen=True)
class SupervisionAuditCounts:
    year: int
    asked: int
    done: int
    overdue: int  # not done, past its due date

    @property
    def line(self) -> str:
        return (
            f"*Supervision file audits {self.year}:* *{self.asked}* asked for, *{self.done}* "
            f"done, *{self.overdue}* overdue."
        )


def supervision_audit_counts(session: Session, today: date) -> SupervisionAuditCounts | None:
    """This year's audits (None: none asked for this year)."""
    rows = session.exec(
        select(SupervisionFileAudit.completed_at, SupervisionFileAudit.due_on).where(
            SupervisionFileAudit.year == today.year
        )
    ).all()
    if not rows:
        return None
    done = sum(1 for completed, _ in rows if completed is not None)
    overdue = sum(1 for completed, due in rows if completed is None and due < today)
    return SupervisionAuditCounts(today.year, len(rows), done, overdue)
