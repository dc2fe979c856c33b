"""The tick keeps the garbage collector to what it made itself (issue 23): the process's older
objects rest while it runs, the tick's own garbage is still swept, and nothing stays set aside
once the tick is over."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

import pytest

import scheduler.jobs
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from scheduler.jobs import run_due_work
from tests.support.ticking import ticking_services

NOW = datetime(2026, 12, 7, 8, 5, tzinfo=UTC)


class _Cycle:
    """An object that refers to itself: only the cycle collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_the_tick_sweeps_only_its_own_garbage_and_sets_nothing_aside(
    engine, database_url, monkeypatch
):
    made_before = _Cycle()
    seen: dict[str, object] = {}

    def probe(session, tick) -> int:
        made_during = weakref.ref(_Cycle())
        seen["set_aside"] = gc.get_freeze_count()
        seen["older_set_aside"] = _set_aside(made_before)
        gc.collect()
        seen["own_garbage_swept"] = made_during() is None
        return 0

    monkeypatch.setattr(scheduler.jobs, "FOLLOW_UPS", (probe,))
    with SlackStandIn() as slack:
        services = ticking_services(engine, database_url, slack, Policy(), NOW)
        run_due_work(services, NOW)

    assert seen["set_aside"] > 0
    assert seen["older_set_aside"]
    assert seen["own_garbage_swept"]
    assert gc.get_freeze_count() == 0


def test_nothing_stays_set_aside_when_a_job_fails(engine, database_url, monkeypatch):
    def failing(session, tick) -> int:
        raise RuntimeError("the job broke")

    monkeypatch.setattr(scheduler.jobs, "FOLLOW_UPS", (failing,))
    with SlackStandIn() as slack:
        services = ticking_services(engine, database_url, slack, Policy(), NOW)
        with pytest.raises(RuntimeError, match="the job broke"):
            run_due_work(services, NOW)
    assert gc.get_freeze_count() == 0


def _set_aside(thing: object) -> bool:
    """Whether the collector has set `thing` aside (frozen): it is in none of its generations."""
    return gc.is_tracked(thing) and all(thing is not other for other in gc.get_objects())
