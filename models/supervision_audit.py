"""The yearly audit of each team manager's supervision file by a senior manager (Bolton): who
was asked, by when, and their grade, why and the actions agreed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class SupervisionFileAudit(SQLModel, table=True):
    # One a year for each team manager: a re-run or a second instance asks once.
    __table_args__ = (UniqueConstraint("year", "supervisor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    supervisor_id: int = Field(foreign_key="staff.id", index=True)  # the team manager
    auditor_id: int = Field(foreign_key="staff.id", index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    due_on: date
    grade: str | None = None  # a grade of the framework
    justification: str | None = None
    actions: str | None = None  # agreed with the team manager; None: none needed
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The auditor, or their cover while they were away.
    completed_by_id: int | None = Field(default=None, foreign_key="staff.id")

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None
