"""Where the database keeps a person by their email rather than by a reference to their staff
row, and how a leaver's identity goes once the leavers' retention period has passed.

Subject access (bot/privacy/subject_access.py) reads these columns to find a person; the
retention sweep (bot/privacy/retention.py) rewrites them when a leaver is forgotten."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import String, Table, cast, func, update
from sqlmodel import Session, SQLModel, col, select

from models import AuditLogEntry, Staff
from models.statuses import StaffStatus

# Columns that keep a person by their email rather than by a foreign key.
PERSON_EMAIL_COLUMNS: dict[str, tuple[str, ...]] = {
    "auditlogentry": ("actor",),
    "absence": ("set_by",),
    "auditround": ("created_by",),
    "extension": ("decided_by",),
    "programmepause": ("paused_by",),
    "reauditround": ("drawn_by",),
    "selection": ("replaced_by",),
    "selectionround": ("drawn_by",),
    "tacsummary": ("recorded_by",),
    "tactask": ("closed_by",),
}
# What a forgotten leaver's email becomes: .invalid (RFC 2606) is never a real address.
FORGOTTEN_EMAIL = "left-{id}@removed.invalid"


def forgotten_email(staff_id: int) -> str:
    return FORGOTTEN_EMAIL.format(id=staff_id)


def forget_leavers(session: Session, now: datetime, days: int) -> int:
    """Leavers whose work was handed over `days` ago keep their row (the counts and who did
    what, by id) but lose their name, email and Slack id, wherever their email was kept."""
    cutoff = now - timedelta(days=days)
    leavers = session.exec(
        select(Staff).where(
            Staff.status == StaffStatus.LEFT,
            col(Staff.left_at) < cutoff,
            col(Staff.email).not_like(FORGOTTEN_EMAIL.format(id="%")),
        )
    ).all()
    for leaver in leavers:
        _replace_email(session, leaver.email, forgotten_email(leaver.id))
        leaver.email = forgotten_email(leaver.id)
        leaver.name = f"Former member of staff {leaver.id}"
        leaver.slack_user_id = None
        leaver.slack_lookup = None
        leaver.slack_lookup_at = None
        session.add(leaver)
    return len(leavers)


def _replace_email(session: Session, email: str, replacement: str) -> None:
    tables = SQLModel.metadata.tables
    for table_name, columns in PERSON_EMAIL_COLUMNS.items():
        table: Table = tables[table_name]
        for name in columns:
            column = table.columns[name]
            session.execute(
                update(table)
                .where(func.lower(column) == email.lower())
                .values({name: replacement})
                .execution_options(synchronize_session=False)
            )
    # The audit log's details name people too (to whom work passed, on whose behalf).
    entries = session.exec(
        select(AuditLogEntry).where(
            func.lower(cast(AuditLogEntry.details, String)).contains(email.lower(), autoescape=True)
        )
    ).all()
    same_email = re.compile(re.escape(email), re.IGNORECASE)
    for entry in entries:
        entry.details = json.loads(same_email.sub(replacement, json.dumps(entry.details)))
        session.add(entry)
