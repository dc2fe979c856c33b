"""Who receives what would go to someone who is away: the one place recipients are redirected.

Every DM is queued through bot/core/outbox.py, which asks `route_dm` who should really get it. A
person away at that moment is replaced by their cover — the one they named, or else their line
manager (a team manager's service manager) — and, when the cover is away too, by the cover's
cover. The DM is marked "Covering for …". With nobody to cover, it is withheld: the person hears
of what is waiting in their catch-up DM when they are back (bot/people/away.py). A leaver's DMs are
withheld too: their work has gone to their manager (bot/people/leavers.py).

Whoever gets the DMs may also act on them: `acting_for` is the one rule every button and form
asks, "is this person the owner, or the cover the owner's DMs go to now?". A cover's act is
noted for the transaction, so its audit log entries name the owner (`on_behalf_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core.errors import NotAllowed
from messages import escape_mrkdwn, plain_date
from models import Absence, Staff
from models.db import forget_memo, transaction_memo

ABSENCES = "absences in force"
ON_BEHALF = "acting on behalf"


def absence_at(session: Session, staff_id: int | None, now: datetime) -> Absence | None:
    """The person's absence in force at `now`, if any."""
    return absences_in_force(session, now).get(staff_id) if staff_id is not None else None


def absent_ids(session: Session, now: datetime) -> set[int]:
    """Everyone away at `now`."""
    return set(absences_in_force(session, now))


def absences_in_force(session: Session, now: datetime) -> dict[int, Absence]:
    """Each absent person's absence at `now`, read once per transaction: every DM asks, and a
    month's draw queues hundreds. bot/people/away.py, which writes absences, forgets it."""

    def load() -> dict[int, Absence]:
        in_force = session.exec(
            select(Absence)
            .where(
                col(Absence.cleared_at).is_(None),
                Absence.starts_at <= now,
                Absence.ends_before > now,
            )
            .order_by(Absence.id)
        ).all()
        found: dict[int, Absence] = {}
        for absence in in_force:
            found.setdefault(absence.staff_id, absence)
        return found

    return transaction_memo(session, (ABSENCES, now), load)


def forget_absences(session: Session) -> None:
    forget_memo(session, ABSENCES)


def default_cover(session: Session, person: Staff) -> Staff | None:
    """Their line manager, when there is an active one."""
    manager = session.get(Staff, person.manager_id) if person.manager_id else None
    return manager if manager is not None and manager.is_active else None


def named_or_default_cover(session: Session, person: Staff, absence: Absence) -> Staff | None:
    cover = session.get(Staff, absence.cover_id) if absence.cover_id else None
    if cover is not None and cover.is_active:
        return cover
    return default_cover(session, person)


@dataclass(frozen=True)
class Route:
    """Who gets a DM meant for `intended`: themselves, a cover (`away` is the absence of the
    person covered for) or nobody (`recipient` None: withheld)."""

    intended: Staff
    recipient: Staff | None
    away: Absence | None = None

    @property
    def covering(self) -> bool:
        return self.away is not None and self.recipient is not None


def route_dm(session: Session, intended: Staff, now: datetime) -> Route:
    if not intended.is_active:
        return Route(intended, None)  # a leaver gets nothing more
    first_absence = absence_at(session, intended.id, now)
    if first_absence is None:
        return Route(intended, intended)
    person, absence, seen = intended, first_absence, {intended.id}
    while absence is not None:
        person = named_or_default_cover(session, person, absence)
        if person is None or person.id in seen:
            return Route(intended, None, first_absence)
        seen.add(person.id)
        absence = absence_at(session, person.id, now)
    return Route(intended, person, first_absence)


def covers_for(session: Session, actor: Staff, owner_id: int, now: datetime) -> bool:
    """Whether `actor` is who the owner's DMs go to now (so may act on them for the owner)."""
    owner = session.get(Staff, owner_id)
    if owner is None:
        return False
    route = route_dm(session, owner, now)
    return route.covering and route.recipient.id == actor.id


@dataclass(frozen=True)
class Acting:
    """Who acts (`actor`) and for whom (`owner`): the owner themselves, or their cover."""

    actor: Staff
    owner: Staff

    @property
    def on_behalf(self) -> bool:
        return self.actor.id != self.owner.id

    @property
    def note(self) -> str:
        """What a message says of a cover's act (escaped, for mrkdwn); empty for the owner's."""
        if not self.on_behalf:
            return ""
        actor, owner = escape_mrkdwn(self.actor.name), escape_mrkdwn(self.owner.name)
        return f"Done by {actor} on behalf of {owner} (away)."


def acting_for(
    session: Session, actor: Staff, *owner_ids: int | None, now: datetime
) -> Acting | None:
    """The actor as one of the owners, or else as the cover one owner's DMs go to at `now`
    (their named cover or line manager, or that cover's cover: `route_dm`); None when neither.
    Once the owner is back, their cover is nobody's."""
    if actor.id in owner_ids:
        return Acting(actor, actor)
    for owner_id in owner_ids:
        if owner_id is not None and covers_for(session, actor, owner_id, now):
            owner = session.get(Staff, owner_id)
            _acts_on_behalf(session)[actor.email] = owner
            return Acting(actor, owner)
    return None


def require_acting_for(
    session: Session, actor: Staff, *owner_ids: int | None, now: datetime, refusal: str
) -> Acting:
    """`acting_for`, refused with `refusal` when the actor is neither owner nor cover."""
    acting = acting_for(session, actor, *owner_ids, now=now)
    if acting is None:
        raise NotAllowed(refusal)
    return acting


def on_behalf_of(session: Session, actor_email: str) -> Staff | None:
    """Whom the actor is acting for as their cover in this transaction, if anyone."""
    return _acts_on_behalf(session).get(actor_email)


def _acts_on_behalf(session: Session) -> dict[str, Staff]:
    # One request is one person's act: what `acting_for` found holds until the transaction ends.
    return transaction_memo(session, (ON_BEHALF,), dict)


def covering_note(route: Route) -> str:
    """Slack reads it as mrkdwn wherever it goes (text, context, file comment): the name is
    escaped."""
    name = escape_mrkdwn(route.intended.name)
    return f"Covering for {name}, who is away until {plain_date(route.away.ends_on)}."
