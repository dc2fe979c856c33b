"""Tables of the imports asked for in Slack and of the nightly export (see
bot/people/slack_import.py and bot/people/nightly_import.py).

A `PendingImport` is a file an administrator gave Auditbot in Slack, checked (a dry run): its
bytes and their SHA-256 are kept only while it waits for the administrator's Import button, so
the import writes exactly the file that was checked, once. The bytes are removed when it is
imported, and the row itself after `PENDING_IMPORT_DAYS` days.

A `NightlyImportRun` marks the day's look at the export folder done, so a re-run or a second
instance does nothing new.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class PendingImport(SQLModel, table=True):
    # One check per Slack file and content: Slack's retry of the same share is the same check.
    __table_args__ = (UniqueConstraint("slack_file_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # teams | staff | cases
    filename: str  # as the administrator named it: problems are shown as FILE:LINE
    slack_file_id: str
    sha256: str
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    requested_by: int = Field(foreign_key="staff.id")
    checked_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str  # checked (Import offered) | refused (problems) | imported
    problems: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    imported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NightlyImportRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)  # the local date of the look at the folder
    ran_at: datetime = Field(sa_type=UTCDateTime)
    folder_missing: bool = False
