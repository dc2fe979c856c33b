"""Audit rounds (issue 12): thematic audits, whole-file audits and audit days, each drawing
several cases for several auditors, with the practitioners confirming attendance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.statuses import Attendance
from models.types import UTCDateTime


class AuditRound(SQLModel, table=True):
    """A round as defined (from the policy file, a Slack form or the thematic schedule). Its
    draw is recorded in a SelectionRound, so its audits run through the guided audit flow."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str  # thematic | whole_file | audit_day
    theme: str | None = None
    # The RoundDefinition's eligibility, cases, auditors, auditor_role, one_case_per_auditor.
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    selection_on: date = Field(index=True)
    audit_on: date
    audit_until: date | None = None
    source: str  # policy | slack | schedule | plan (the yearly plan, issue 25)
    created_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    selection_round_id: int | None = Field(
        default=None, foreign_key="selectionround.id", unique=True
    )


class RoundCase(SQLModel, table=True):
    """One drawn case of a round: its auditor, its Selection (what the guided audit works on)
    and whether the practitioner confirmed they will attend."""

    __table_args__ = (UniqueConstraint("round_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="auditround.id", index=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    auditor_id: int = Field(foreign_key="staff.id", index=True)
    # A paired audit day (issue 25, Halton): the second auditor; the audit is recorded under
    # `auditor_id` and either may complete it.
    partner_id: int | None = Field(default=None, foreign_key="staff.id")
    selection_id: int = Field(foreign_key="selection.id", unique=True)
    service_area: str
    attendance: str = Field(default=Attendance.PENDING, index=True)
    attendance_reason: str | None = None
    attendance_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
