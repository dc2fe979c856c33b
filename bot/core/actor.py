"""Who is acting: the one way a Slack user becomes a person on the staff list, and the answer
everyone unknown gets, whatever they clicked or typed."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.errors import InvalidRequest, NotAllowed
from models import Staff
from models.statuses import StaffStatus

UNKNOWN_PERSON = (
    "Sorry, I don't recognise you yet. Auditbot only works for people on the staff list: "
    "please ask your audit administrator to add you."
)
STALE_BUTTON = "That button is not valid any more: please use your latest message."


def acting_person(session: Session, slack_user_id: str) -> Staff:
    """The active member of staff with this Slack id; anyone else is refused."""
    person = active_staff_member(session, slack_user_id)
    if person is None:
        raise NotAllowed(UNKNOWN_PERSON)
    return person


def active_staff_member(session: Session, slack_user_id: str) -> Staff | None:
    return session.exec(
        select(Staff).where(
            Staff.slack_user_id == slack_user_id, Staff.status == StaffStatus.ACTIVE
        )
    ).first()


def parse_id(text: str | int | None) -> int:
    """A row id carried by a button or form; anything else means the button is stale or forged."""
    if not str(text).isdigit():
        raise InvalidRequest(STALE_BUTTON)
    return int(text)
