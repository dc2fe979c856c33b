"""Engagement in the audits, as Gloucestershire counts it (seed 002): of the audits done, the
team managers and practitioners who took part in the auditor's discussion, and the child and
the parents or carers apart, each with why not ("No child was engaged: 17 inappropriate, 9 no
response; 12 parents took part, 10 attempts, 2 not stated").

A team manager auditing their own team's case took part by doing it, and the practitioner took
part when the reflective discussion was held. Where the auditor is someone else (a round, a
head of service), the auditor records whether each took part or was not available.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models import Booking, FamilyEngagement
from models.statuses import BookingStatus, ContactOutcome, EngagementStatus, Participation

MANAGERS, PRACTITIONERS = "Team managers", "Practitioners"
CHILDREN, PARENTS = "Children and young people", "Parents or carers"

TOOK_PART, NOT_AVAILABLE = "took part", "not available"
NOT_STATED = "not stated"
CONTACT_LABELS = {
    ContactOutcome.ENGAGED: TOOK_PART,
    ContactOutcome.INAPPROPRIATE: "inappropriate for age or circumstances",
    ContactOutcome.NO_RESPONSE: "attempted, no response",
    ContactOutcome.NOT_INVITED: "not invited",
}
# Every outcome in the order the briefing reads them, so a zero still has its column.
ORDER = {
    MANAGERS: [TOOK_PART, NOT_AVAILABLE],
    PRACTITIONERS: [TOOK_PART, NOT_AVAILABLE],
    CHILDREN: [*CONTACT_LABELS.values(), NOT_STATED],
    PARENTS: [TOOK_PART, *list(CONTACT_LABELS.values())[2:], NOT_STATED],
}


@dataclass(frozen=True)
class DoneAudit:
    """What engagement needs to know of one completed audit."""

    selection_id: int
    manager_engagement: str | None
    practitioner_engagement: str | None


@dataclass(frozen=True)
class Engagement:
    """One group's outcomes over the completed audits, in `ORDER` (zeros included)."""

    group: str
    counts: dict[str, int]

    @property
    def audits(self) -> int:
        return sum(self.counts.values())

    @property
    def engaged(self) -> int:
        return self.counts.get(TOOK_PART, 0)

    @property
    def not_engaged(self) -> int:
        return self.audits - self.engaged

    @property
    def sentence(self) -> str:
        """'No child was engaged: 17 inappropriate …' in the seed's words."""
        others = [
            f"{count} {label}"
            for label, count in self.counts.items()
            if count and label != TOOK_PART
        ]
        head = (
            f"{self.engaged} of {self.audits} took part"
            if self.engaged
            else f"none of {self.audits} took part"
        )
        return head + (": " + ", ".join(others) if others else "")


def engagement_of(session: Session, done: list[DoneAudit]) -> list[Engagement]:
    ids = [audit.selection_id for audit in done]
    held = _discussions_held(session, ids)
    contacts = {
        record.selection_id: record
        for record in session.exec(
            select(FamilyEngagement).where(col(FamilyEngagement.selection_id).in_(ids))
        ).all()
    }
    outcomes: dict[str, Counter[str]] = {group: Counter() for group in ORDER}
    for audit in done:
        outcomes[MANAGERS][_participation(audit.manager_engagement, default=True)] += 1
        outcomes[PRACTITIONERS][
            _participation(audit.practitioner_engagement, default=audit.selection_id in held)
        ] += 1
        record = contacts.get(audit.selection_id)
        outcomes[CHILDREN][_child(record)] += 1
        outcomes[PARENTS][_contact(record.parents_outcome if record else None)] += 1
    return [
        Engagement(group, {label: outcomes[group][label] for label in labels})
        for group, labels in ORDER.items()
    ]


def _participation(recorded: str | None, *, default: bool) -> str:
    if recorded is not None:
        return TOOK_PART if recorded == Participation.TOOK_PART else NOT_AVAILABLE
    return TOOK_PART if default else NOT_AVAILABLE


def _child(record: FamilyEngagement | None) -> str:
    if record is None:
        return NOT_STATED
    if record.child_outcome is None and record.status == EngagementStatus.NOT_APPROPRIATE:
        return CONTACT_LABELS[ContactOutcome.INAPPROPRIATE]  # recorded before they were apart
    return _contact(record.child_outcome)


def _contact(outcome: str | None) -> str:
    return CONTACT_LABELS.get(outcome, NOT_STATED) if outcome else NOT_STATED


def _discussions_held(session: Session, selection_ids: list[int]) -> set[int]:
    return set(
        session.exec(
            select(Booking.selection_id).where(
                col(Booking.selection_id).in_(selection_ids), Booking.status == BookingStatus.HELD
            )
        ).all()
    )
