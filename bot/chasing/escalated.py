"""The buttons on an item escalated to a service manager or head of service in their chasing
DM: "Open" shows the item, "Nudge the manager" sends its team manager (or, for an item the
manager does not hold, its owner) a DM saying who nudged them and what is overdue.

Both re-find the item as the day's chasing sees it, so a button naming something no longer
overdue, or forged, does nothing; and both are for the item's line (its service manager and
head of service, or their cover while they are away) and administrators only, whatever the DM
that carried the button. A nudge by a cover says for whom it was sent. A nudge has
the key `nudge:<kind>:<item id>:<local date>`: a second click that day sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from bot.chasing.overdue import OVERDUE_KINDS, OverdueItem
from bot.core import auditlog
from bot.core.actor import STALE_BUTTON
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.line import ladder_person, sees_line_of
from bot.core.outbox import queue_dm
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from messages import escape_mrkdwn, render
from models import OutboxMessage, Staff

NO_LONGER_OVERDUE = "That item is not overdue any more: nothing to do."
NOT_YOURS = (
    "Sorry, only the service manager or head of service of this item's team, or an "
    "administrator, can use this button. Nothing has been sent."
)
LINE_ROLES = ("service_manager", "head_of_service")
# Kinds whose owner, not the team manager, must act: the moderator's re-audit, and the alert
# the service manager is to acknowledge.
OWNER_ACTS = frozenset({"reaudit_overdue", "alert_unacknowledged"})


@dataclass(frozen=True)
class _Escalated:
    item: OverdueItem
    days_overdue: int
    acting: Acting  # the clicker, and whom of the item's line they act for


def _escalated_item(uow: UnitOfWork, value: str) -> _Escalated:
    """The overdue item the button names (`kind:id`) with its working days overdue, when the
    person clicking is entitled to it: an administrator, one of the item's line, or the cover
    of one of them."""
    kind_name, _, item_id = value.partition(":")
    kind = OVERDUE_KINDS.get(kind_name)
    if kind is None or not item_id.isdigit():
        raise InvalidRequest(STALE_BUTTON)
    today = uow.calendar.local(uow.now).date()
    found = kind.find(uow.session, uow.policy, uow.calendar, today)
    item = next((i for i in found if i.item_id == int(item_id)), None)
    if item is None:
        raise InvalidRequest(NO_LONGER_OVERDUE)
    days_overdue = uow.calendar.working_days_between(item.due_on, today)
    line_ids = _line_ids(uow, item)
    if sees_line_of(uow.actor, line_ids):
        return _Escalated(item, days_overdue, Acting(uow.actor, uow.actor))
    acting = require_acting_for(uow.session, uow.actor, *line_ids, now=uow.now, refusal=NOT_YOURS)
    return _Escalated(item, days_overdue, acting)


def _line_ids(uow: UnitOfWork, item: OverdueItem) -> set[int]:
    """The service managers and heads of service above the item's owner and manager."""
    people = [p for p in (item.owner, item.manager) if p is not None]
    found = (ladder_person(uow.session, p, role) for p in people for role in LINE_ROLES)
    return {person.id for person in found if person is not None}


def nudged_person(item: OverdueItem) -> Staff:
    """Who "Nudge the manager" reaches: the team manager answerable, or the owner where the
    owner must act (or there is no active manager)."""
    manager = item.manager
    if item.kind in OWNER_ACTS or manager is None or not manager.is_active:
        return item.owner
    return manager


@on_click()
def open_escalated_item(uow: UnitOfWork, value: str) -> Reply:
    escalated = _escalated_item(uow, value)
    return Reply(
        view=render("chase_item_modal", item=escalated.item, days_overdue=escalated.days_overdue)
    )


@on_click()
def nudge_the_manager(uow: UnitOfWork, value: str) -> Reply:
    escalated = _escalated_item(uow, value)
    item, acting = escalated.item, escalated.acting
    nudged = nudged_person(item)
    uow.lock(Staff, nudged.id)  # two clicks at once: the second sees the first's nudge
    today: date = uow.calendar.local(uow.now).date()
    key = f"nudge:{item.kind}:{item.item_id}:{today.isoformat()}"
    name = escape_mrkdwn(nudged.name)
    if uow.session.exec(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    ).first():
        return Reply.say(f"{name} was already nudged today about this item: nothing more sent.")
    queue_dm(
        uow.session,
        key=key,
        recipient=nudged,
        message=render(
            "chase_nudge_dm",
            nudger=uow.actor,
            item=item,
            days_overdue=escalated.days_overdue,
            on_behalf=acting.note,
        ),
        concern=f"nudge:{item.key}",
        now=uow.now,
    )
    auditlog.record(
        uow.session,
        actor=uow.actor.email,
        action="chase.nudge",
        subject=item.key,
        now=uow.now,
        nudged=nudged.email,
    )
    return Reply.say(f"I've nudged {name} about it. {acting.note}".strip())
