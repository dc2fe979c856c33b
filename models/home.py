"""Who uses the App Home tab (see bot/home/tab.py).

Only people who have opened the Home tab get it re-published after a change: anyone else sees
it fresh when they first open it, so publishing to them would be work nobody reads.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class HomeTabViewer(SQLModel, table=True):
    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    first_opened_at: datetime = Field(sa_type=UTCDateTime)
    last_opened_at: datetime = Field(sa_type=UTCDateTime)
