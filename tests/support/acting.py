"""Use cases and jobs called directly, as the database tests do: a unit of work for a person
at a fixed time, and a scheduler tick, both with the policy the test gives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bot.bootstrap import working_calendar
from bot.core.calendar import WorkingCalendar
from bot.core.config import Settings
from bot.core.services import Services
from bot.core.tick import Tick, random_seed
from bot.core.unit_of_work import UnitOfWork
from bot.policy.schema import Policy
from models import Staff
from models.db import SessionFactory, transaction

SETTINGS = Settings()


def services_for(
    make_session: SessionFactory, now: datetime, policy: Policy | None = None
) -> Services:
    """What a use case reads of the services: no Slack, no sender, a fixed clock."""
    policy = policy or Policy()
    nothing: Any = None
    return Services(
        settings=SETTINGS,
        policy=policy,
        calendar=working_calendar(SETTINGS, policy),
        make_session=make_session,
        client=nothing,
        sender=nothing,
        clock=lambda: now,
        answers=nothing,
    )


@contextmanager
def acting_as(
    make_session: SessionFactory, person: Staff, now: datetime, policy: Policy | None = None
) -> Iterator[UnitOfWork]:
    """A unit of work for `person` at `now`, committed when the block ends without error."""
    services = services_for(make_session, now, policy)
    with transaction(make_session) as session:
        yield UnitOfWork(services, session, session.get(Staff, person.id), now)


def tick_at(
    now: datetime,
    policy: Policy | None = None,
    calendar: WorkingCalendar | None = None,
    new_seed: Callable[[], str] = random_seed,
) -> Tick:
    """The rules at `now` as a job or a draw sees them, in the authority's time zone."""
    policy = policy or Policy()
    return Tick(
        now=now,
        policy=policy,
        calendar=calendar or working_calendar(SETTINGS, policy),
        timezone=SETTINGS.timezone,
        new_seed=new_seed,
    )
