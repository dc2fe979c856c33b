"""Who receives what would go to someone who is away: the one place recipients are redirected.

Every DM is queued through bot/core/outbox.py, which asks `route_dm` who should really get it. A
person away at that moment is replaced by their cover — the one they named, or else their line
manager (a team manager's service manager) — and, when the cover is away too, by the cover's
cover. The DM is marked "Covering for …". With nobody to cover, it is withheld: the person hears
of what is waiting in their catch-up DM when they are back (bot/people/away.py). A leaver's DMs are
withheld too: their work has gone to their manager (bot/people/leavers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from messages import escape_mrkdwn, plain_date
from models import Absence, Staff
from models.db import forget_memo, transaction_memo

ABSENCES = "absences in force"


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


def covering_note(route: Route) -> str:
    """Slack reads it as mrkdwn wherever it goes (text, context, file comment): the name is
    escaped."""
    name = escape_mrkdwn(route.intended.name)
    return f"Covering for {name}, who is away until {plain_date(route.away.ends_on)}."
