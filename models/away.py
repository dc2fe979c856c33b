"""Absences (see bot/people/away.py): while someone is away their DMs go to their cover.

`starts_at` and `ends_before` are the absence's first and last local days as UTC instants
(local midnight), so routing a message needs only the `now` it is queued at. A cleared absence
keeps its row: an ongoing one ends at the moment it was cleared (and the catch-up DM follows),
one that had not started is marked `cleared_at` and never applies.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Absence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    starts_on: date
    ends_on: date
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_before: datetime = Field(sa_type=UTCDateTime, index=True)
    cover_id: int | None = Field(default=None, foreign_key="staff.id")
    set_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the "welcome back" DM was queued: it goes once.
    caught_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
