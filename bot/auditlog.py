"""Every state change a person (or the scheduler) makes is recorded: who, what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from models import AuditLogEntry


def record(
    session: Session, *, actor: str, action: str, subject: str, now: datetime, **details: Any
) -> None:
    session.add(AuditLogEntry(at=now, actor=actor, action=action, subject=subject, details=details))
