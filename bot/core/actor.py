"""Checks shared by the use cases behind buttons and forms: who is asking, and may they."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.core.cover import covers_for
from bot.core.errors import InvalidRequest, NotAllowed
from models import Selection, Staff

UNKNOWN_PERSON = (
    "Sorry, I don't recognise you yet. Auditbot only works for people on the staff list: "
    "please ask your audit administrator to add you."
)


def find_actor(session: Session, slack_user_id: str) -> Staff | None:
    return session.exec(
        select(Staff).where(Staff.slack_user_id == slack_user_id, Staff.status == "active")
    ).first()


STALE_BUTTON = "That button is not valid any more: please use your latest message."


def require_actor(session: Session, slack_user_id: str) -> Staff:
    actor = find_actor(session, slack_user_id)
    if actor is None:
        raise NotAllowed(UNKNOWN_PERSON)
    return actor


def parse_id(text: str | int) -> int:
    """A row id carried by a button or form; anything else means the button is stale or forged."""
    if not str(text).isdigit():
        raise InvalidRequest(STALE_BUTTON)
    return int(text)


def require_managed_selection(
    session: Session, actor: Staff, selection_id: int, now: datetime | None = None
) -> Selection:
    """The selection, if `actor` is the team manager it was drawn for — or, given `now`, covers
    for them while they are away — and it is still current."""
    selection = session.get(Selection, selection_id)
    if selection is None or not _acts_for(session, actor, selection.manager_id, now):
        raise NotAllowed("Only the team manager this case was drawn for can do that.")
    if selection.status != "selected":
        raise InvalidRequest("This case has been replaced: please use your latest message.")
    return selection


def _acts_for(session: Session, actor: Staff, owner_id: int, now: datetime | None) -> bool:
    return actor.id == owner_id or (now is not None and covers_for(session, actor, owner_id, now))
