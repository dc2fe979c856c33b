"""Leavers: when the staff list marks someone `left`, their open audit work passes to their
line manager (the first active one up the line), who is told once by DM; the leaver gets
nothing more (bot/core/cover.py withholds DMs to anyone not active)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.core import auditlog
from bot.core.outbox import WITHHELD, queue_dm
from bot.people.open_items import listing, open_items
from messages import render
from models import OutboxMessage, Staff
from models.statuses import OutboxStatus, StaffStatus

log = logging.getLogger(__name__)


def hand_over_leavers(session: Session, *, now: datetime, actor: str) -> int:
    """Pass every leaver's open items to their manager; returns how many leavers had any. Once
    handed over a leaver holds nothing, so a later import does nothing again."""
    session.flush()
    handed = 0
    for leaver in session.exec(select(Staff).where(Staff.status == StaffStatus.LEFT)).all():
        if leaver.left_at is None:  # the first import that says they left
            leaver.left_at = now
            session.add(leaver)
        _withhold_pending(session, leaver)
        items = open_items(session, leaver)
        if not items:
            continue
        successor = _active_manager(session, leaver)
        if successor is None:
            log.warning("leaver %s has open items but no active manager to take them", leaver.id)
            continue
        for item in items:
            item.hand_over(session, successor)
        queue_dm(
            session,
            key=f"leaver:{leaver.id}:{successor.id}",
            recipient=successor,
            message=render(
                "leaver_handover_dm",
                leaver=leaver,
                **listing(items),
            ),
            concern=f"leaver:{leaver.id}",
            now=now,
        )
        auditlog.record(
            session,
            actor=actor,
            action="leaver.hand_over",
            subject=f"staff:{leaver.id}",
            now=now,
            to=successor.email,
            items=len(items),
        )
        handed += 1
    return handed


def _active_manager(session: Session, person: Staff) -> Staff | None:
    seen = {person.id}
    while person.manager_id is not None and person.manager_id not in seen:
        person = session.get(Staff, person.manager_id)
        seen.add(person.id)
        if person.is_active:
            return person
    return None


def _withhold_pending(session: Session, leaver: Staff) -> None:
    """Messages queued before they left are not sent to them."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient_staff_id == leaver.id,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=WITHHELD)
    )
