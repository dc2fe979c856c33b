"""A period of supervision missing from a case (Sefton's immediate response: "no supervision in a
6 month period"): raised from an audit, told at once to the team manager's line, tracked until
someone senior says they are acting on it."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Session, SQLModel, select

from models.types import UTCDateTime


class SupervisionGapAlert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    gap_from: date  # the last recorded supervision before the gap
    gap_to: date  # the next one, or the audit's day when there has been none since
    reason: str  # why, as far as the auditor found
    action: str  # the action agreed
    action_due: date = Field(index=True)
    raised_at: datetime = Field(sa_type=UTCDateTime, index=True)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="staff.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def supervision_gap_for(session: Session, audit_id: int) -> SupervisionGapAlert | None:
    return session.exec(
        select(SupervisionGapAlert).where(SupervisionGapAlert.audit_id == audit_id)
    ).first()
