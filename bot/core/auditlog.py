"""Every state change a person (or the scheduler) makes is recorded: who, what, when, and for
whom when a cover acted for someone away (`on_behalf_of`, from bot/core/cover.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.core.cover import on_behalf_of
from bot.core.outbox import queue_home_refresh
from models import AuditLogEntry, Staff


def record(
    session: Session, *, actor: str, action: str, subject: str, now: datetime, **details: Any
) -> None:
    owner = on_behalf_of(session, actor)
    if owner is not None:
        details["on_behalf_of"] = owner.email
    session.add(AuditLogEntry(at=now, actor=actor, action=action, subject=subject, details=details))
    # The person who made the change sees it on their Home tab too (the others concerned are
    # told by DM, which refreshes theirs). A change is recorded once, so the key is unique.
    actor_id = session.exec(select(Staff.id).where(Staff.email == actor)).first()
    if actor_id is not None:
        change = f"{action}:{subject}:{now.isoformat()}"
        queue_home_refresh(session, actor_id, change=change, now=now)
