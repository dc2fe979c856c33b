"""A case file audited when its case moved team (Bolton's "file fit for purpose" check): who
was asked, by when, and their judgement, which stays on the case's record in Auditbot."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class TransferAuditStatus(StrEnum):
    REQUESTED = "requested"
    DONE = "done"


class TransferAudit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    from_team_id: int = Field(foreign_key="team.id")
    to_team_id: int = Field(foreign_key="team.id")
    auditor_id: int = Field(foreign_key="staff.id", index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    due_on: date = Field(index=True)
    status: str = Field(default=TransferAuditStatus.REQUESTED, index=True)
    fit_for_purpose: bool | None = None
    judgement: str | None = None  # a grade of the framework
    justification: str | None = None
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The auditor, or their cover while they were away.
    completed_by_id: int | None = Field(default=None, foreign_key="staff.id")
