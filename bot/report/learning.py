"""The learning in the briefing (seed 002's analysis): what Good looks like, what holds cases
back from Good, and the Inadequate audits escalated to heads of service and tracked.

"What does Good look like?" quotes the impact statements of the Good and Outstanding audits by
case reference: like the register, it goes only to the people entitled to those cases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from models import AuditAction, AuditLogEntry
from models.statuses import ActionStatus

INADEQUATE_ESCALATED = "audit.inadequate_escalated"  # recorded when the head of service is told


@dataclass(frozen=True)
class GoodPractice:
    """A Good or Outstanding audit's impact statement. It names the case: entitled readers only."""

    case_ref: str
    team: str
    grade: str
    impact: str
    line_manager_ids: frozenset[int]


@dataclass(frozen=True)
class HeldBack:
    """A domain and how many of the period's audits graded it below Good, per grade."""

    domain: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class InadequateTracking:
    audits: int = 0
    escalated: int = 0
    actions: int = 0
    actions_done: int = 0
    actions_overdue: int = 0


def grades_below_good(grades: list[str]) -> list[str]:
    """The grades that hold a case back from Good (the scale is best first): those after
    "Good", or the lower half of a scale without it."""
    if "Good" in grades:
        return grades[grades.index("Good") + 1 :]
    return grades[(len(grades) + 1) // 2 :]


def grades_good_or_better(grades: list[str]) -> list[str]:
    return [grade for grade in grades if grade not in grades_below_good(grades)]


def held_back(domain_grades: list[tuple[str, str]], grades: list[str]) -> list[HeldBack]:
    """Per domain (title, grade pairs of the period's audits), the grades below Good, the most
    frequent domain first; domains never below Good are left out."""
    below = grades_below_good(grades)
    counts: Counter[tuple[str, str]] = Counter(
        (title, grade) for title, grade in domain_grades if grade in below
    )
    titles = list(dict.fromkeys(title for title, _grade in domain_grades))
    rows = [HeldBack(title, {grade: counts[(title, grade)] for grade in below}) for title in titles]
    return sorted(
        (row for row in rows if row.total), key=lambda row: (-row.total, titles.index(row.domain))
    )


def inadequate_tracking(
    session: Session, audit_ids: list[int], as_of_day: date
) -> InadequateTracking:
    """The period's audits judged the lowest grade: how many were escalated to a head of
    service, and how their actions stand on `as_of_day`."""
    if not audit_ids:
        return InadequateTracking()
    subjects = [f"audit:{audit_id}" for audit_id in audit_ids]
    escalated = session.exec(
        select(func.count(func.distinct(AuditLogEntry.subject))).where(
            AuditLogEntry.action == INADEQUATE_ESCALATED, col(AuditLogEntry.subject).in_(subjects)
        )
    ).one()
    actions = session.exec(
        select(AuditAction.status, AuditAction.due_on).where(
            col(AuditAction.audit_id).in_(audit_ids)
        )
    ).all()
    done = sum(status == ActionStatus.DONE for status, _due in actions)
    overdue = sum(status != ActionStatus.DONE and due < as_of_day for status, due in actions)
    return InadequateTracking(len(audit_ids), escalated, len(actions), done, overdue)
