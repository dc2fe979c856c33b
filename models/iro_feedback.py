"""Feedback from the IRO or child protection conference chair on an audited case (Sefton):
asked of them by DM when the audit is submitted, given in a short form, kept with the audit."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, select

from models.types import UTCDateTime

REQUESTED = "requested"
GIVEN = "given"
NO_VIEW = "no_view"  # their view of the grade: they would rather not say


class IroFeedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    iro_id: int = Field(foreign_key="staff.id", index=True)  # the IRO or chair asked
    requested_by_id: int = Field(foreign_key="staff.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=REQUESTED, index=True)
    feedback: str | None = None
    grade_view: str | None = None  # a grade of the framework, or NO_VIEW
    given_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who gave it: the IRO, or their cover while they were away.
    given_by_id: int | None = Field(default=None, foreign_key="staff.id")


def iro_feedback_for(session: Session, audit_id: int) -> IroFeedback | None:
    return session.exec(select(IroFeedback).where(IroFeedback.audit_id == audit_id)).first()
