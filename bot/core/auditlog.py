"""Every state change a person (or the scheduler) makes is recorded: who, what, when, and for
whom when a cover acted for someone away (`on_behalf_of`, from bot/core/cover.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from bot.core.cover import on_behalf_of
from bot.core.outbox import queue_home_refresh
from models import AuditLogEntry, Staff
from models.db import defer_insert

_INSERT = insert(AuditLogEntry.__table__)  # in a batch with the transaction's other entries


def record(
    session: Session, *, actor: str, action: str, subject: str, now: datetime, **details: Any
) -> None:
    owner = on_behalf_of(session, actor)
    if owner is not None:
        details["on_behalf_of"] = owner.email
    entry = {"at": now, "actor": actor, "action": action, "subject": subject, "details": details}
    defer_insert(session, AuditLogEntry, entry, _INSERT)
    # The person who made the change sees it on their Home tab too (the others concerned are
    # told by DM, which refreshes theirs). A change is recorded once, so the key is unique.
    if "@" not in actor:  # the scheduler, the command line: no Home tab
        return
    actor_id = session.exec(select(Staff.id).where(Staff.email == actor)).first()
    if actor_id is not None:
        change = f"{action}:{subject}:{now.isoformat()}"
        queue_home_refresh(session, actor_id, change=change, now=now)
