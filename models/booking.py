"""The practitioner discussion and the contact with the child's family, for a selection."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.statuses import BookingStatus
from models.types import UTCDateTime


class Booking(SQLModel, table=True):
    """One booked slot. Re-booking closes this row (status `moved`) and adds a new one, so the
    old slot's reminders and buttons can never act again."""

    id: int | None = Field(default=None, primary_key=True)
    selection_id: int = Field(foreign_key="selection.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    duration_minutes: int
    place: str | None = None
    # booked | moved | cancelled | held | not_held
    status: str = Field(default=BookingStatus.BOOKED, index=True)
    booked_by: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The Slack view the booking came from: a second submit of the same form changes nothing.
    source_view_id: str | None = Field(default=None, unique=True)
    practitioner_reply: str | None = None  # can | cannot
    practitioner_reason: str | None = None
    closed_reason: str | None = None  # why cancelled / not held
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FamilyEngagement(SQLModel, table=True):
    """How the child's and family's views are sought for the audit, or why not."""

    id: int | None = Field(default=None, primary_key=True)
    selection_id: int = Field(foreign_key="selection.id", unique=True)
    # planned | not_appropriate | views_obtained | declined | no_contact
    status: str
    method: str | None = None  # visit | phone | video | letter | other
    planned_on: date | None = None
    reason: str | None = None  # why not appropriate / not contacted
    summary: str | None = None  # the views obtained, in brief, with no names
    # The child and the parents or carers, each on its own (None: not stated).
    child_outcome: str | None = None  # ContactOutcome
    child_reason: str | None = None
    parents_outcome: str | None = None  # ContactOutcome
    parents_reason: str | None = None
    recorded_by: int = Field(foreign_key="staff.id")
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)


def latest_booking(session: Session, selection_id: int) -> Booking | None:
    """The selection's most recent booking, whatever its state (None before any booking)."""
    return session.exec(
        select(Booking)
        .where(Booking.selection_id == selection_id)
        .where(
            col(Booking.status).in_(
                (
                    BookingStatus.BOOKED,
                    BookingStatus.HELD,
                    BookingStatus.NOT_HELD,
                    BookingStatus.CANCELLED,
                )
            )
        )
        .order_by(col(Booking.id).desc())
    ).first()


def engagement_for(session: Session, selection_id: int) -> FamilyEngagement | None:
    return session.exec(
        select(FamilyEngagement).where(FamilyEngagement.selection_id == selection_id)
    ).first()


def bookings_by_state(session: Session, selection_ids: list[int]) -> dict[int, str]:
    """The discussion state of each selection: booked, held, or absent (not booked)."""
    rows = session.exec(
        select(Booking.selection_id, Booking.status)
        .where(col(Booking.selection_id).in_(selection_ids))
        .where(col(Booking.status).in_((BookingStatus.BOOKED, BookingStatus.HELD)))
    ).all()
    states: dict[int, str] = {}
    for selection_id, status in rows:
        if status == BookingStatus.HELD or selection_id not in states:
            states[selection_id] = status
    return states
