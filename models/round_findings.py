"""Halton's audit days (issue 25): the pair's one judgement on each case and the lead manager's
quality assurance of it, and the strengths, weaknesses and recommendations the day ends with."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, select

from models.rounds import RoundCase
from models.types import UTCDateTime


class RoundJudgement(SQLModel, table=True):
    """What became of a round audit once submitted: the pair's agreement (when the round pairs
    its auditors) and the lead reviewer's quality assurance (when it has one). `stage` is a
    JudgementStage; only `approved` and `final` count as final."""

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    round_case_id: int = Field(foreign_key="roundcase.id", index=True)
    stage: str = Field(index=True)
    submitted_by_id: int = Field(foreign_key="staff.id")
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    # The other member of the pair, who confirms the judgement is theirs too.
    agreed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewer_id: int | None = Field(default=None, foreign_key="staff.id")
    reviewed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_comment: str | None = None  # free text: the lead's last reason for returning it
    returns: int = 0  # how many times the lead returned it (keys each round of review)


class RoundFindings(SQLModel, table=True):
    """The day's discussion across the sample, recorded by the lead: no case references."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="auditround.id", unique=True)
    strengths: str  # free text
    weaknesses: str  # free text
    recommendations: str  # free text: about organisational practice, systems or policies
    recorded_by_id: int = Field(foreign_key="staff.id")
    recorded_at: datetime = Field(sa_type=UTCDateTime)


def paired_partner_id(session: Session, selection_id: int) -> int | None:
    """The second auditor of a paired round case, who may act on its audit too."""
    return session.exec(
        select(RoundCase.partner_id).where(RoundCase.selection_id == selection_id)
    ).first()


class JudgementStage(StrEnum):
    AWAITING_AGREEMENT = "awaiting_agreement"  # the pair's other member has yet to agree
    AWAITING_QA = "awaiting_qa"  # with the lead reviewer
    RETURNED = "returned"  # the lead sent the analysis back to the pair
    APPROVED = "approved"  # quality-assured: final
    FINAL = "final"  # agreed, in a round without a lead reviewer

    @property
    def is_final(self) -> bool:
        return self in (JudgementStage.APPROVED, JudgementStage.FINAL)


class PoorPractice(SQLModel, table=True):
    """Poor practice found on an audit day, conveyed at once to the relevant senior manager with
    a recommendation and a timescale, and tracked until they acknowledge it."""

    id: int | None = Field(default=None, primary_key=True)
    round_case_id: int = Field(foreign_key="roundcase.id", unique=True)
    recommendation: str  # free text: what must be done
    due_on: date  # the timescale: by when
    reported_by_id: int = Field(foreign_key="staff.id")
    reported_at: datetime = Field(sa_type=UTCDateTime)
    senior_manager_id: int = Field(foreign_key="staff.id", index=True)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="staff.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
