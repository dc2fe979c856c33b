"""Extensions of an audit's due date (see bot/extensions/requests.py). The selection's `due_on`
is moved when one is granted or approved; `old_due_on` keeps where it was."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.statuses import ExtensionStatus
from models.types import UTCDateTime


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    selection_id: int = Field(foreign_key="selection.id", index=True)
    requested_by_id: int = Field(foreign_key="staff.id")
    # The service manager told (within the limit) or asked to decide (beyond it).
    decider_id: int = Field(foreign_key="staff.id")
    reason: str
    old_due_on: date
    new_due_on: date
    working_days: int
    # granted (within the policy limit) | pending | approved | refused
    status: str = Field(index=True)
    refusal_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


def waiting_for_decision(session: Session, selection_ids: list[int]) -> set[int]:
    """Those of the selections with a request for more time still waiting for its decision."""
    return set(
        session.exec(
            select(Extension.selection_id)
            .where(col(Extension.selection_id).in_(selection_ids))
            .where(Extension.status == ExtensionStatus.PENDING)
        ).all()
    )
