"""Tables of chasing and the weekly team digests (see bot/chasing/nudges.py and
bot/chasing/team_digest.py).

A `ChaseNotice` records that an overdue item was in a person's chasing DM on a day, so the next
nudge waits for the rule's repeat interval and an escalation is known to be new. A `ChaseSnooze`
is "remind me tomorrow". A `ChaseRun` marks scheduled work done for a period (kind `chase`: the
local date; kind `team_digest`: the nominal digest date), so a re-run does nothing new.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class ChaseRun(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    period: str
    ran_at: datetime = Field(sa_type=UTCDateTime)
    recipients: int = 0


class ChaseNotice(SQLModel, table=True):
    """An overdue item (`item_key`, e.g. `audit_overdue:12`) shown to a person on a day, as its
    owner (`step` owner) or as a step of the escalation ladder."""

    __table_args__ = (UniqueConstraint("recipient_id", "item_key", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="staff.id", index=True)
    item_key: str = Field(index=True)
    step: str  # owner | team_manager | service_manager | head_of_service
    day: date


class ChaseSnooze(SQLModel, table=True):
    """No chasing DM before `until` (unless something new is escalated to the person)."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    until: date
    created_at: datetime = Field(sa_type=UTCDateTime)
