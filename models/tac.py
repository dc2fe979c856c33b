"""Tables of the TAC reflective case summary checkpoint (see bot/tac/checkpoint.py).

A supervision's checkpoint is a `TacSupervision` with one `TacDecision` per TAC case considered;
a "complete by" decision becomes a `TacTask` for the practitioner; a completed summary is a
`TacSummary`, listed once to the audit administrators at month end. `TacScheduleRun` records
what the schedule has done (the weekly digest, the month-end list), so it is done once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.statuses import SupervisionStatus, TacTaskStatus
from models.types import UTCDateTime


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class TacSupervision(SQLModel, table=True):
    """One checkpoint: a draft while its pages are answered, then recorded (once)."""

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="staff.id", index=True)
    # Set when a team manager's cover held it while they were away: `manager_id` is then the
    # cover, and this the team manager it was for (the tasks are theirs).
    on_behalf_of_id: int | None = Field(default=None, foreign_key="staff.id")
    practitioner_id: int = Field(foreign_key="staff.id", index=True)
    status: str = SupervisionStatus.DRAFT
    # The cases in the order shown, fixed when the checkpoint was opened (the page plan).
    case_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))
    held_on: date | None = None  # the supervision's date, given on the first page
    started_at: datetime = _utc()
    # Indexed: retention finds the checkpoints recorded since its last sweep by it.
    recorded_at: datetime | None = _utc(default=None, index=True)


class TacDecision(SQLModel, table=True):
    """That a case was considered, and the decision: complete by a date, or not now and why."""

    __table_args__ = (UniqueConstraint("supervision_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    supervision_id: int = Field(foreign_key="tacsupervision.id", index=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    decision: str  # complete_by | not_needed
    complete_by: date | None = None
    reason: str | None = None
    triggers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    trigger_note: str | None = None
    # What the manager was shown, kept with the decision.
    last_summary_on: date | None = None
    next_due_on: date | None = None
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class TacTask(SQLModel, table=True):
    """A summary the practitioner is to complete by a date; reminded once before it."""

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="tacdecision.id", unique=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    practitioner_id: int = Field(foreign_key="staff.id", index=True)
    manager_id: int = Field(foreign_key="staff.id")
    due_on: date
    status: str = Field(default=TacTaskStatus.OPEN, index=True)
    created_at: datetime = _utc()
    reminded_at: datetime | None = _utc(default=None)
    closed_at: datetime | None = _utc(default=None)
    closed_by: str | None = None


class TacSummary(SQLModel, table=True):
    """A reflective case summary recorded as completed; listed once at a month end."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    practitioner_id: int = Field(foreign_key="staff.id")
    team_id: int = Field(foreign_key="team.id")
    completed_on: date = Field(index=True)
    task_id: int | None = Field(default=None, foreign_key="tactask.id", unique=True)
    recorded_at: datetime = _utc()
    recorded_by: str
    listed_in_month: str | None = Field(default=None, index=True)  # YYYY-MM of its month-end list


class TacScheduleRun(SQLModel, table=True):
    """Scheduled TAC work done for a period (kind weekly_digest: the nominal digest date;
    kind month_end_list: YYYY-MM), so a re-run or a second instance does nothing new."""

    __table_args__ = (UniqueConstraint("kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    period: str
    ran_at: datetime = _utc()
    recipients: int = 0
