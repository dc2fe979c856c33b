"""The guided case file audit, its SMART actions and immediate safeguarding alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, SQLModel, select

from models.statuses import ActionStatus, AuditStatus
from models.types import UTCDateTime


class Audit(SQLModel, table=True):
    """One audit of a selected case. A draft keeps every answer given so far (`answers`), so
    closing the form loses nothing; submitting freezes it."""

    id: int | None = Field(default=None, primary_key=True)
    selection_id: int = Field(foreign_key="selection.id", unique=True)
    manager_id: int = Field(foreign_key="staff.id", index=True)
    status: str = Field(default=AuditStatus.DRAFT, index=True)
    # {domain_id: {"grade": ..., "justification": ...}, "final": {...}}
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    framework: str
    overall: str | None = None
    # none | category_2 (service not appropriate) | category_1 (child may be at risk now)
    concern: str = Field(default="none", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where the auditor is not the case's team manager (a round, a head of service): whether
    # the case's manager and practitioner took part in the auditor's discussion.
    manager_engagement: str | None = None  # Participation
    practitioner_engagement: str | None = None  # Participation
    # A submitted audit found unusable (wrong case type, file incomplete, case transferred):
    # it counts in the volume figures and is left out of the grades.
    inadmissible_reason: str | None = None  # InadmissibleReason
    inadmissible_note: str | None = None
    inadmissible_by: int | None = Field(default=None, foreign_key="staff.id")
    # Indexed: retention looks for notes past their period by it (few audits have one).
    inadmissible_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)

    @property
    def is_inadmissible(self) -> bool:
        return self.inadmissible_reason is not None


class AuditAction(SQLModel, table=True):
    """A SMART action from an audit: what, who, by when; done only with a written note."""

    # A manager's open actions are found by their audits: without this index SQLite walks
    # every open action of the authority through the status index instead.
    __table_args__ = (Index("ix_auditaction_audit_id_status", "audit_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    # Set when a moderator added the action in a re-audit of that audit.
    reaudit_id: int | None = Field(default=None, foreign_key="reaudit.id", index=True)
    what: str
    owner_id: int = Field(foreign_key="staff.id", index=True)
    due_on: date = Field(index=True)
    status: str = Field(default=ActionStatus.OPEN, index=True)
    done_note: str | None = None
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who marked it done: the owner, or their cover while they were away.
    done_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class SafeguardingAlert(SQLModel, table=True):
    """A Category 1 concern: tracked until someone senior says they are acting on it."""

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    note: str
    raised_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_by: int | None = Field(default=None, foreign_key="staff.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def audit_for(session: Session, selection_id: int) -> Audit | None:
    return session.exec(select(Audit).where(Audit.selection_id == selection_id)).first()
