"""`/audit observed @worker [YYYY-MM-DD] [note…]`: a team manager records that they observed a
practitioner's practice (an administrator may record anyone's); `/audit observed` alone lists
their practitioners, due and overdue first. Bad input gets a sentence and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from bot.core import auditlog
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.unit_of_work import UnitOfWork
from bot.observations.command import ObservedRequest
from bot.observations.due import OVERDUE, Standing, next_due, practitioners_of, standings
from messages import escape_mrkdwn, plain_date
from models import Observation, Staff

NOT_IN_USE = "Observations of practice are not recorded in Auditbot here (`observation.enabled`)."


def answer_observed(uow: UnitOfWork, request: ObservedRequest) -> str:
    rule = uow.policy.observation
    if not rule.enabled:
        raise InvalidRequest(NOT_IN_USE)
    today = uow.calendar.local(uow.now).date()
    if request.practitioner_user_id is None:
        return describe_standings(uow.session, uow.actor, today, rule.due_soon_days)
    practitioner = _practitioner(uow.session, uow.actor, request.practitioner_user_id)
    observed_on = request.observed_on or today
    _check_day(observed_on, today, rule.every_months)
    if _already(uow.session, practitioner, observed_on):
        return f"Already recorded: {_name(practitioner)} observed on {plain_date(observed_on)}."
    due_on = next_due(observed_on, rule.every_months)
    uow.session.add(
        Observation(
            practitioner_id=practitioner.id, observer_id=uow.actor.id, observed_on=observed_on,
            next_due_on=due_on, note=request.note, recorded_at=uow.now,
        )
    )  # fmt: skip
    uow.session.flush()
    auditlog.record(
        uow.session, actor=uow.actor.email, action="observation.recorded",
        subject=f"staff:{practitioner.id}", now=uow.now, observed_on=observed_on.isoformat(),
    )  # fmt: skip
    return (
        f"Recorded: you observed {_name(practitioner)}'s practice on {plain_date(observed_on)}. "
        f"The next observation is due by {plain_date(due_on)}."
    )


def describe_standings(session: Session, manager: Staff, today: date, due_soon_days: int) -> str:
    found = standings(session, practitioners_of(session, manager), today, due_soon_days)
    if not found:
        return "Nobody on the staff list has you as their manager."
    lines = [_line(item) for item in sorted(found, key=lambda s: (s.state != OVERDUE, s.state))]
    return "*Observations of your practitioners' practice:*\n" + "\n".join(lines)


def _line(item: Standing) -> str:
    name = _name(item.practitioner)
    if item.last_observed_on is None:
        return f"• {name}: *never observed* (overdue)"
    words = {"overdue": "*overdue*", "due_soon": "due soon", "up_to_date": "up to date"}
    return (
        f"• {name}: last observed {plain_date(item.last_observed_on)}, next due by "
        f"{plain_date(item.next_due_on)} ({words[item.state]})"
    )


def _practitioner(session: Session, actor: Staff, slack_user_id: str) -> Staff:
    person = session.exec(select(Staff).where(Staff.slack_user_id == slack_user_id)).first()
    if person is None or not person.is_active or not person.has_role("practitioner"):
        raise InvalidRequest(
            "I can't find that person among the practitioners on the staff list. Nothing has been "
            "recorded."
        )
    in_line = person.manager_id == actor.id or (
        actor.team_id is not None and person.team_id == actor.team_id
    )
    if not (actor.has_role("admin") or (actor.has_role("team_manager") and in_line)):
        raise NotAllowed(
            f"Only {_name(person)}'s team manager (or an administrator) can record their "
            "observation. Nothing has been recorded."
        )
    return person


def _check_day(observed_on: date, today: date, every_months: int) -> None:
    if observed_on > today:
        raise InvalidRequest(
            f"{plain_date(observed_on)} is in the future: record an observation once it has "
            "happened. Nothing has been recorded."
        )
    if observed_on < today - timedelta(days=366 * every_months // 12 + 1):
        raise InvalidRequest(
            f"{plain_date(observed_on)} is too long ago to count. Nothing has been recorded."
        )


def _already(session: Session, practitioner: Staff, observed_on: date) -> bool:
    found = select(Observation.id).where(
        Observation.practitioner_id == practitioner.id, Observation.observed_on == observed_on
    )
    return session.exec(found).first() is not None


def _name(person: Staff) -> str:
    return escape_mrkdwn(person.name)
