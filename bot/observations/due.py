"""When a practitioner's next observation is due, and how each stands on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from bot.core.months import Month
from models import Observation, Staff
from models.statuses import StaffStatus

OVERDUE, DUE_SOON, UP_TO_DATE = "overdue", "due_soon", "up_to_date"


def next_due(observed_on: date, every_months: int) -> date:
    """The same day `every_months` later (the month's last day when shorter)."""
    month = Month.of(observed_on).plus(every_months)
    return date(month.year, month.month, min(observed_on.day, month.last_day.day))


def standing(next_due_on: date | None, today: date, due_soon_days: int) -> str:
    """Never observed, or past the day: overdue; due within `due_soon_days`: due soon."""
    if next_due_on is None or next_due_on < today:
        return OVERDUE
    return DUE_SOON if next_due_on <= today + timedelta(days=due_soon_days) else UP_TO_DATE


@dataclass(frozen=True)
class Standing:
    practitioner: Staff
    last_observed_on: date | None
    next_due_on: date | None
    state: str


def practitioners_of(session: Session, manager: Staff | None = None) -> list[Staff]:
    """Active practitioners (of one manager, by line management), by name."""
    query = select(Staff).where(
        Staff.status == StaffStatus.ACTIVE, col(Staff.roles).contains("practitioner")
    )
    if manager is not None:
        query = query.where(Staff.manager_id == manager.id)
    found = session.exec(query.order_by(Staff.name, Staff.id)).all()
    return [person for person in found if person.has_role("practitioner")]


def standings(
    session: Session, practitioners: list[Staff], today: date, due_soon_days: int
) -> list[Standing]:
    """Each practitioner's latest observation and how they stand today."""
    ids = [person.id for person in practitioners]
    latest = {
        practitioner_id: (observed_on, due_on)
        for practitioner_id, observed_on, due_on in session.exec(
            select(
                Observation.practitioner_id,
                func.max(Observation.observed_on),
                func.max(Observation.next_due_on),
            )
            .where(col(Observation.practitioner_id).in_(ids))
            .group_by(Observation.practitioner_id)
        ).all()
    }
    result = []
    for person in practitioners:
        observed_on, due_on = latest.get(person.id, (None, None))
        result.append(Standing(person, observed_on, due_on, standing(due_on, today, due_soon_days)))
    return result


def observations_in_use(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Observation)).one() > 0
