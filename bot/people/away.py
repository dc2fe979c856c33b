"""Away and cover: `/audit away`, and the one catch-up DM when someone is back.

Anyone may mark themselves away, from a first to a last day, with an optional cover; an
administrator may set or clear anyone's. While the absence is in force every DM meant for the
person goes to their cover instead (bot/core/cover.py does the routing for the whole outbox),
and the chasing ladder passes them by. A person has at most one absence still to come or in force:
setting another changes it. On the first working day after the last day, at the chasing nudge
time, they get one DM of everything still open for them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.actor import active_staff_member
from bot.core.calendar import WorkingCalendar
from bot.core.cover import forget_absences, named_or_default_cover
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm
from bot.core.tick import Tick
from bot.people.away_command import AwayRequest
from bot.people.open_items import listing, open_items
from bot.policy.schema import Policy
from messages import mention, plain_date, render
from models import Absence, Staff


def answer_away(
    session: Session, actor: Staff, request: AwayRequest, now: datetime, timezone: tzinfo
) -> str:
    """Show, set or clear an absence; the sentence to answer with. Bad input changes nothing."""
    person = _whose(session, actor, request)
    today = now.astimezone(timezone).date()
    if request.clear:
        return _clear(session, actor, person, now)
    if request.starts_on is None:
        return _describe(session, actor, person, open_absence(session, person, now))
    if request.ends_on < today:
        raise InvalidRequest(
            f"That absence ended on {plain_date(request.ends_on)}: give dates from today on. "
            "Nothing has been changed."
        )
    cover = _cover(session, actor, person, request)
    absence = open_absence(session, person, now) or Absence(
        staff_id=person.id, set_by=actor.email, created_at=now, starts_on=today, ends_on=today
    )
    absence.starts_on, absence.ends_on = request.starts_on, request.ends_on
    absence.starts_at = _local_midnight(request.starts_on, timezone)
    absence.ends_before = _local_midnight(request.ends_on + timedelta(days=1), timezone)
    absence.cover_id = cover.id if cover else None
    absence.set_by = actor.email
    session.add(absence)
    session.flush()
    forget_absences(session)
    auditlog.record(
        session,
        actor=actor.email,
        action="away.set",
        subject=f"staff:{person.id}",
        now=now,
        starts_on=absence.starts_on.isoformat(),
        ends_on=absence.ends_on.isoformat(),
        cover=cover.email if cover else None,
    )
    _tell_cover(session, person, absence, now)
    return _describe(session, actor, person, absence)


def _whose(session: Session, actor: Staff, request: AwayRequest) -> Staff:
    if request.person_user_id in (None, actor.slack_user_id):
        return actor
    if not actor.has_role("admin"):
        raise NotAllowed(
            "Sorry, only administrators can set or clear someone else's absence. "
            "Nothing has been changed."
        )
    return _known(session, request.person_user_id)


def _known(session: Session, slack_user_id: str) -> Staff:
    """The person a command names (`@person`), who must be on the staff list."""
    person = active_staff_member(session, slack_user_id)
    if person is None:
        raise InvalidRequest(
            f"<@{slack_user_id}> is not on the staff list, so I can't use them here. "
            "Nothing has been changed."
        )
    return person


def _cover(session: Session, actor: Staff, person: Staff, request: AwayRequest) -> Staff | None:
    if request.cover_user_id is None:
        return None
    cover = _known(session, request.cover_user_id)
    if cover.id == person.id:
        whose = "your" if person.id == actor.id else "their"
        raise InvalidRequest(
            f"Nobody can cover for themselves: name someone else, or leave the cover out "
            f"and {whose} line manager covers. Nothing has been changed."
        )
    return cover


def open_absence(session: Session, person: Staff, now: datetime) -> Absence | None:
    """The person's absence still to come or in force."""
    return session.exec(
        select(Absence).where(
            Absence.staff_id == person.id,
            col(Absence.cleared_at).is_(None),
            Absence.ends_before > now,
        )
    ).first()


def _local_midnight(day: date, timezone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)


def _clear(session: Session, actor: Staff, person: Staff, now: datetime) -> str:
    """A coming absence is cancelled; one in force ends now (and the catch-up DM follows)."""
    absence = open_absence(session, person, now)
    if absence is None:
        return f"{_subject(actor, person, 'are')} not marked away: nothing to clear."
    if absence.starts_at > now:
        absence.cleared_at = now
    else:
        absence.ends_before = now
    session.add(absence)
    forget_absences(session)
    auditlog.record(
        session, actor=actor.email, action="away.clear", subject=f"staff:{person.id}", now=now
    )
    return f"{_subject(actor, person, 'are')} no longer marked away."


def _subject(actor: Staff, person: Staff, verb: str) -> str:
    return f"You {verb}" if actor.id == person.id else f"{person.name} {verb.replace('are', 'is')}"


def _describe(session: Session, actor: Staff, person: Staff, absence: Absence | None) -> str:
    if absence is None:
        return (
            f"{_subject(actor, person, 'are')} not marked away. "
            "To set an absence: `/audit away YYYY-MM-DD YYYY-MM-DD [@cover]`."
        )
    cover = named_or_default_cover(session, person, absence)
    covered = (
        f"{mention(cover)} covers: prompts and reminders go to them, marked "
        f'"covering for {person.name}".'
        if cover
        else "Nobody covers (no line manager on the staff list): messages wait until the return."
    )
    return (
        f"{_subject(actor, person, 'are')} away from {plain_date(absence.starts_on)} to "
        f"{plain_date(absence.ends_on)}. {covered} On the return, one message lists what is "
        "waiting."
    )


def _tell_cover(session: Session, person: Staff, absence: Absence, now: datetime) -> None:
    cover = named_or_default_cover(session, person, absence)
    if cover is None:
        return
    queue_dm(
        session,
        key=(
            f"away:cover:{absence.id}:{cover.id}:"
            f"{absence.starts_on.isoformat()}:{absence.ends_on.isoformat()}"
        ),
        recipient=cover,
        message=render("away_cover_dm", person=person, absence=absence, named=absence.cover_id),
        concern=f"away:{absence.id}",
        now=now,
    )


# -- back from an absence ----------------------------------------------------------------------


def catch_up_due_at(absence: Absence, policy: Policy, calendar: WorkingCalendar) -> datetime:
    """The nudge time of the first working day from the end of the absence."""
    back_on = calendar.working_day_on_or_after(calendar.local(absence.ends_before).date())
    return calendar.at(back_on, policy.chasing.nudge_time)


def run_return_catch_ups(session: Session, tick: Tick) -> int:
    """Queue the catch-up DM of everyone back from an absence; returns how many. Each goes once
    (its key, and `caught_up_at`), however often and on however many instances this runs."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    ended = session.exec(
        select(Absence)
        .where(
            col(Absence.cleared_at).is_(None),
            col(Absence.caught_up_at).is_(None),
            Absence.ends_before <= now,
        )
        .order_by(col(Absence.id))
    ).all()
    queued = 0
    for absence in ended:
        if catch_up_due_at(absence, policy, calendar) > now:
            continue
        absence.caught_up_at = now
        session.add(absence)
        person = session.get(Staff, absence.staff_id)
        if person.is_active and open_absence(session, person, now) is None:
            _queue_catch_up(session, person, absence, now)
            queued += 1
    return queued


def _queue_catch_up(session: Session, person: Staff, absence: Absence, now: datetime) -> None:
    queue_dm(
        session,
        key=f"away:back:{absence.id}",
        recipient=person,
        message=render(
            "away_back_dm",
            absence=absence,
            **listing(open_items(session, person)),
            cover=named_or_default_cover(session, person, absence),
        ),
        concern=f"away:{absence.id}",
        now=now,
    )
