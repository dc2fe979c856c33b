"""Direct observations of practitioners' practice (Bolton: "at least every 12 months"): who was
observed, by whom, on which day, and when the next is due."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Observation(SQLModel, table=True):
    # One a day for a practitioner: typing the command twice records once.
    __table_args__ = (UniqueConstraint("practitioner_id", "observed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    practitioner_id: int = Field(foreign_key="staff.id", index=True)
    observer_id: int = Field(foreign_key="staff.id", index=True)
    observed_on: date
    next_due_on: date  # observed_on and the policy's interval, as it was when recorded
    note: str | None = None
    recorded_at: datetime = Field(sa_type=UTCDateTime)
