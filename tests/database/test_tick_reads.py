"""A tick's jobs each run in their own transaction, yet who is away and who has opened the Home
tab (asked for every DM) are read once a tick, not once a job; a job that changes who is away
makes the next one read it again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.core.outbox import queue_dm
from models import OutboxMessage, RetentionRun, Staff
from models.db import transaction
from scheduler.jobs import _once
from tests.support import factories
from tests.support.acting import tick_at

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TICK = tick_at(NOW)


@pytest.fixture
def people(make_session):
    with transaction(make_session) as session:
        north = factories.team(session)
        head = factories.person(session, "Hana Head", "head_of_service", north)
        manager = factories.person(session, "Mo Manager", "team_manager", north, manager=head)
        return {"head": head, "manager": manager}


@pytest.fixture
def reads(engine):
    """The tables of absences and Home tab viewers each time they are read."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        for table in ("absence", "hometabviewer"):
            if statement.startswith("SELECT") and f"FROM {table}" in statement:
                seen.append(table)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def dm_job(key: str, person_id: int):
    def job(session, tick):
        queue_dm(
            session, key=key, recipient=session.get(Staff, person_id), message={"text": key},
            concern=f"test:{key}", now=tick.now,
        )  # fmt: skip

    job.__name__ = f"dm_{key}"
    return job


def recipient_of(make_session, key: str) -> int:
    with make_session() as session:
        return session.exec(
            select(OutboxMessage.recipient_staff_id).where(OutboxMessage.idempotency_key == key)
        ).one()


def test_the_ticks_jobs_read_who_is_away_and_who_has_a_home_tab_once(make_session, people, reads):
    services, read_before = SimpleNamespace(make_session=make_session), {}
    for number in range(3):
        _once(services, TICK, dm_job(f"dm-{number}", people["manager"].id), read_before)
    assert sorted(reads) == ["absence", "hometabviewer"]
    assert recipient_of(make_session, "dm-2") == people["manager"].id


def test_a_job_that_sets_someone_away_sends_the_next_jobs_dms_to_their_cover(make_session, people):
    services, read_before = SimpleNamespace(make_session=make_session), {}
    manager_id, head_id = people["manager"].id, people["head"].id
    _once(services, TICK, dm_job("before", manager_id), read_before)

    def away(session, tick):
        factories.mark_away(
            session, session.get(Staff, manager_id), date(2026, 11, 30), date(2026, 12, 4),
            now=tick.now, timezone=tick.timezone,
        )  # fmt: skip

    _once(services, TICK, away, read_before)
    _once(services, TICK, dm_job("after", manager_id), read_before)
    assert recipient_of(make_session, "before") == manager_id
    assert recipient_of(make_session, "after") == head_id  # their line manager covers


def test_what_a_job_read_of_its_own_changes_is_not_passed_on_when_it_is_rolled_back(
    make_session, people
):
    services, read_before = SimpleNamespace(make_session=make_session), {}
    manager_id = people["manager"].id
    with transaction(make_session) as session:
        session.add(RetentionRun(day=date(2026, 12, 1), ran_at=NOW, removed={}))

    def away_then_lose_the_race(session, tick):
        factories.mark_away(
            session, session.get(Staff, manager_id), date(2026, 11, 30), date(2026, 12, 4),
            now=tick.now, timezone=tick.timezone,
        )  # fmt: skip
        dm_job("while-away", manager_id)(session, tick)  # reads who is away, with the change
        # Another instance claimed the same day: this insert fails at commit.
        session.add(RetentionRun(day=date(2026, 12, 1), ran_at=tick.now, removed={}))

    assert _once(services, TICK, away_then_lose_the_race, read_before) is None
    _once(services, TICK, dm_job("after", manager_id), read_before)
    assert recipient_of(make_session, "after") == manager_id  # the absence never happened
