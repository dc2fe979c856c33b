"""Re-audit (moderation): a recorded draw of completed audits, each moderated by a senior
person beside the original audit, which is never overwritten."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.statuses import ReauditStatus
from models.types import UTCDateTime

MONTHLY = "monthly"  # the service managers' monthly sample
ANNUAL = "annual"  # the head of service's yearly sample of re-audits


class ReauditRound(SQLModel, table=True):
    """One draw: its seed and criteria, so it can be explained and replayed."""

    __table_args__ = (UniqueConstraint("kind", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # monthly | annual
    month: str = Field(index=True)  # YYYY-MM
    seed: str
    drawn_at: datetime = Field(sa_type=UTCDateTime)
    drawn_by: str
    criteria: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class Reaudit(SQLModel, table=True):
    """One audit chosen for moderation. Answers are kept as a draft until submitted, as in
    the audit: {domain_id: {"verdict", "grade", "reason"}, "final": {...}}."""

    __table_args__ = (UniqueConstraint("round_id", "audit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="reauditround.id", index=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    moderator_id: int = Field(foreign_key="staff.id", index=True)
    # Set when the re-audit is shared among a moderation panel: any member may take it; the
    # moderator is then whoever submits it.
    panel: str | None = None
    # Set when the moderator's cover submitted it while they were away: the moderator then is
    # the cover, and this the moderator it was for.
    on_behalf_of_id: int | None = Field(default=None, foreign_key="staff.id")
    # Why it was drawn: random | always_included (its overall judgement is always moderated)
    chosen_because: str
    pool_size: int
    draw_seed: str
    due_on: date
    status: str = Field(default=ReauditStatus.DRAWN, index=True)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actions_addressed: str | None = None  # yes | partly | no | none_set
    comment: str | None = None
    # The moderator's overall judgement beside the original audit's: agreed, or a different
    # grade with a reason (moved up or down).
    overall_agreed: bool | None = None
    overall_grade: str | None = None
    overall_reason: str | None = None
    overall_moved: str | None = None  # up | down | None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ModeratedJudgement(SQLModel, table=True):
    """The moderator's view of one domain, stored beside the original audit's answer."""

    __table_args__ = (UniqueConstraint("reaudit_id", "domain_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reaudit_id: int = Field(foreign_key="reaudit.id", index=True)
    domain_id: str
    original_grade: str | None = None
    agreed: bool
    moderated_grade: str | None = None
    reason: str | None = None
    # up | down: the moderated grade is better or worse than the original; None: unchanged
    moved: str | None = None
