"""Tables of the programme calendar and data retention (see bot/selection/programme_calendar.py and
bot/privacy/retention.py).

A `ProgrammePause` is a one-off month with no selection, set by an administrator with a reason.
A `RetentionRun` marks the day's retention sweep done, with what it removed, so a re-run or a
second instance does nothing new.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class ProgrammePause(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(unique=True, index=True)  # YYYY-MM
    reason: str
    paused_by: str  # the administrator's email
    paused_at: datetime = Field(sa_type=UTCDateTime)


class RetentionRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)  # the local date of the sweep
    ran_at: datetime = Field(sa_type=UTCDateTime)
    removed: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Free text written before this had gone when the sweep ended: the next day's sweep reads
    # only what has passed the period since (None: the period was off, read it all).
    free_text_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Every message created before this had finished and had its body removed when the sweep
    # ended: the next day's sweep clears only those created since (None: read them all).
    bodies_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
