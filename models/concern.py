"""The cases-of-concern register (Ofsted Annex H): every audit that raised a Category 1 or 2
concern is on it from the audit's submission until a head of service closes it, with what was
done ("removed from the register"). A concern's review is its one row here, updated as the
review goes on; the audit log keeps each step (who, when, what)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlmodel import Field, Session, SQLModel, col

from models.audit import Audit
from models.types import UTCDateTime

CATEGORIES = ("category_1", "category_2")


class ConcernReview(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    actions_taken: str
    reviewed_by: int = Field(foreign_key="staff.id")
    reviewed_at: datetime = Field(sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, foreign_key="staff.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


def on_register_at(session: Session, moment: datetime | None = None) -> int:
    """How many cases were on the register at `moment` (raised by then, not yet closed), or
    are on it now (None)."""
    if moment is None:
        query = _registered(func.count()).where(col(ConcernReview.closed_at).is_(None))
        return session.execute(query).scalar_one()
    return on_register_at_each(session, [moment])[0]


def on_register_at_each(session: Session, moments: list[datetime]) -> list[int]:
    """How many cases were on the register at each of `moments`, in one statement."""
    closed = col(ConcernReview.closed_at)
    counts = [
        func.count().filter(
            col(Audit.submitted_at) <= moment, or_(closed.is_(None), closed > moment)
        )
        for moment in moments
    ]
    return list(session.execute(_registered(*counts)).one())


def _registered(*counts: Any) -> Select:
    """`counts` over the audits that raised a concern, each with its review (if any)."""
    return (
        select(*counts)
        .select_from(Audit)
        .outerjoin(ConcernReview, col(ConcernReview.audit_id) == Audit.id)
        .where(col(Audit.concern).in_(CATEGORIES))
    )
