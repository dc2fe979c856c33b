"""The manager's reviews of an audit's actions, a month after the audit and again the month
after (Bolton): each review asked for once, and what it found of each action."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class ActionReview(SQLModel, table=True):
    # One review per audit and month: a second instance or a re-run asks nothing twice.
    __table_args__ = (UniqueConstraint("audit_id", "months_after"),)

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    months_after: int  # the review this many months after the audit
    due_on: date
    reviewer_id: int = Field(foreign_key="staff.id", index=True)
    prompted_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The reviewer, or their cover while they were away.
    completed_by_id: int | None = Field(default=None, foreign_key="staff.id")


class ActionProgress(SQLModel, table=True):
    """One action as a review found it: done, in progress or not started, with a note."""

    __table_args__ = (UniqueConstraint("review_id", "action_id"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="actionreview.id", index=True)
    action_id: int = Field(foreign_key="auditaction.id", index=True)
    progress: str  # done | in_progress | not_started
    note: str | None = None
    recorded_at: datetime = Field(sa_type=UTCDateTime)
