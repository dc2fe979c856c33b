"""Subject access: all that Auditbot holds about one member of staff, as plain data for JSON.

Rows are exported whole (every column), grouped by what they are to the person, so nothing is
hidden by a summary; case references appear as they are stored, since the person's own work
names them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, SQLModel, col, select

from bot.core import auditlog
from bot.core.errors import InvalidRequest
from models import (
    Audit,
    AuditAction,
    AuditLogEntry,
    Booking,
    Case,
    ChaseNotice,
    ChaseSnooze,
    ConcernReview,
    FamilyEngagement,
    OutboxMessage,
    Reaudit,
    SafeguardingAlert,
    Selection,
    Staff,
    TacDecision,
    TacSummary,
    TacSupervision,
    TacTask,
    Team,
)


class UnknownPerson(InvalidRequest):
    """No member of staff has this email."""


def export_person(session: Session, email: str, *, now: datetime) -> dict[str, Any]:
    """Everything about the person with this email (case-insensitive); the export is logged."""
    person = session.exec(select(Staff).where(func.lower(Staff.email) == email.lower())).first()
    if person is None:
        raise UnknownPerson(f"no member of staff has the email {email!r}")
    me = person.id
    their_cases = select(Case.id).where(Case.worker_id == me)
    their_selections = select(Selection.id).where(
        or_(Selection.manager_id == me, col(Selection.case_id).in_(their_cases))
    )
    their_supervisions = select(TacSupervision.id).where(
        or_(TacSupervision.manager_id == me, TacSupervision.practitioner_id == me)
    )
    sections: dict[str, tuple[type[SQLModel], Any]] = {
        "team": (Team, Team.id == person.team_id),
        "manager": (Staff, Staff.id == person.manager_id),
        "cases_held": (Case, Case.worker_id == me),
        "selections": (Selection, col(Selection.id).in_(their_selections)),
        "audits_done": (Audit, Audit.manager_id == me),
        "actions_assigned": (AuditAction, AuditAction.owner_id == me),
        "bookings": (
            Booking,
            or_(Booking.booked_by == me, col(Booking.selection_id).in_(their_selections)),
        ),
        "family_contact_recorded": (FamilyEngagement, FamilyEngagement.recorded_by == me),
        "alerts_acknowledged": (SafeguardingAlert, SafeguardingAlert.acknowledged_by == me),
        "concerns_reviewed": (
            ConcernReview,
            or_(ConcernReview.reviewed_by == me, ConcernReview.closed_by == me),
        ),
        "reaudits_moderated": (Reaudit, Reaudit.moderator_id == me),
        "tac_supervisions": (TacSupervision, col(TacSupervision.id).in_(their_supervisions)),
        "tac_decisions": (TacDecision, col(TacDecision.supervision_id).in_(their_supervisions)),
        "tac_tasks": (TacTask, or_(TacTask.practitioner_id == me, TacTask.manager_id == me)),
        "tac_summaries": (TacSummary, TacSummary.practitioner_id == me),
        "chasing_notices": (ChaseNotice, ChaseNotice.recipient_id == me),
        "chasing_snoozes": (ChaseSnooze, ChaseSnooze.staff_id == me),
        "messages_sent_to_them": (OutboxMessage, OutboxMessage.recipient_staff_id == me),
        "audit_log_by_them": (AuditLogEntry, AuditLogEntry.actor == person.email),
    }
    export: dict[str, Any] = {"exported_at": now.isoformat(), "staff": _row(person)}
    for name, (model, condition) in sections.items():
        rows = session.exec(select(model).where(condition).order_by(model.id)).all()
        export[name] = [_row(row) for row in rows]
    auditlog.record(
        session, actor="cli", action="export.subject_access", subject=person.email, now=now
    )
    return export


def _row(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")
