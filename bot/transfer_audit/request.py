"""When an import moves a case to another team and the policy asks for it, the senior manager
of the sending (or receiving) team is asked by DM to audit the file at the point of transfer.
One request per move: importing the same file again moves nothing, so asks nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.line import ladder_person
from bot.core.outbox import queue_dm
from bot.policy.practice_oversight import TransferAuditPolicy
from bot.policy.schema import Policy
from bot.selection.transfers import CaseMove
from messages import render
from models import Case, Staff, Team, TransferAudit
from models.statuses import CaseStatus, StaffStatus

ROLE_WORDS = {"head_of_service": "head of service", "service_manager": "service manager"}


def request_transfer_audits(
    session: Session,
    moves: list[CaseMove],
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    actor: str,
) -> int:
    """Ask for an audit of every open case the import moved to another team; how many."""
    rule = policy.transfer_audit
    if not rule.enabled:
        return 0
    session.flush()
    requested = 0
    for move in moves:
        case = session.get(Case, move.case_id)
        if move.old_team_id == move.new_team_id or case.status != CaseStatus.OPEN:
            continue
        auditor = transfer_auditor(session, move, rule)
        if auditor is None:
            auditlog.record(
                session, actor=actor, action="transfer_audit.no_auditor",
                subject=f"case:{case.id}", now=now, role=rule.auditor_role,
                team=_side_team_id(move, rule),
            )  # fmt: skip
            continue
        audit = TransferAudit(
            case_id=case.id,
            from_team_id=move.old_team_id,
            to_team_id=move.new_team_id,
            auditor_id=auditor.id,
            requested_at=now,
            due_on=calendar.add_working_days(calendar.local(now).date(), rule.due_working_days),
        )
        session.add(audit)
        session.flush()
        auditlog.record(
            session, actor=actor, action="transfer_audit.requested",
            subject=f"transferaudit:{audit.id}", now=now, auditor=auditor.email,
        )  # fmt: skip
        queue_dm(
            session,
            key=request_key(audit),
            recipient=auditor,
            message=render("transfer_audit_dm", **transfer_audit_context(session, audit, policy)),
            concern=f"transferaudit:{audit.id}",
            now=now,
        )
        requested += 1
    return requested


def request_key(audit: TransferAudit) -> str:
    return f"transfer-audit:{audit.id}:request"


def transfer_audit_context(
    session: Session, audit: TransferAudit, policy: Policy
) -> dict[str, Any]:
    """What the DM and the form show of a transfer audit."""
    rule = policy.transfer_audit
    return {
        "audit": audit,
        "case": session.get(Case, audit.case_id),
        "from_team": session.get(Team, audit.from_team_id),
        "to_team": session.get(Team, audit.to_team_id),
        "auditor": session.get(Staff, audit.auditor_id),
        "completed_by": session.get(Staff, audit.completed_by_id)
        if audit.completed_by_id
        else None,
        "role": ROLE_WORDS[rule.auditor_role],
        "side": rule.auditor_team,
    }


def transfer_auditor(session: Session, move: CaseMove, rule: TransferAuditPolicy) -> Staff | None:
    """The person with the rule's role above the sending (or receiving) team: found up the line
    of the team's managers, then of the practitioner who held (or holds) the case."""
    team_id = _side_team_id(move, rule)
    worker_id = move.old_worker_id if rule.auditor_team == "sending" else move.new_worker_id
    managers = session.exec(
        select(Staff)
        .where(Staff.team_id == team_id, Staff.status == StaffStatus.ACTIVE)
        .where(col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    below = [person for person in managers if person.has_role("team_manager")]
    for person in [*below, session.get(Staff, worker_id)]:
        if person is not None and person.has_role(rule.auditor_role) and person.is_active:
            return person
        found = ladder_person(session, person, rule.auditor_role) if person else None
        if found is not None:
            return found
    return None


def _side_team_id(move: CaseMove, rule: TransferAuditPolicy) -> int:
    return move.old_team_id if rule.auditor_team == "sending" else move.new_team_id
