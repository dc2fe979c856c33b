"""The cases-of-concern register (Ofsted Annex H): every audit that raised a Category 1 or 2
concern is on it from the audit's submission until a head of service closes it, with what was
done ("removed from the register"). A concern's review is its one row here, updated as the
review goes on; the audit log keeps each step (who, when, what)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Field, Session, SQLModel, col, select

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
    query = (
        select(func.count())
        .select_from(Audit)
        .outerjoin(ConcernReview, col(ConcernReview.audit_id) == Audit.id)
        .where(col(Audit.concern).in_(CATEGORIES))
    )
    if moment is None:
        return session.exec(query.where(col(ConcernReview.closed_at).is_(None))).one()
    return session.exec(
        query.where(
            col(Audit.submitted_at) <= moment,
            or_(col(ConcernReview.closed_at).is_(None), col(ConcernReview.closed_at) > moment),
        )
    ).one()
