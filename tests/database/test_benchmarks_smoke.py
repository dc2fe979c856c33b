"""The benchmark generator at a tiny scale, so it can't rot: row counts, determinism, and the
busy-day tick finding what the benchmark's raw-SQL floor finds. No timing is asserted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from benchmarks.alert_latency import ROUTINE, measure_alert_latency
from benchmarks.floor import find_due_items
from benchmarks.generate import BUSY_DAY, HISTORY_MONTHS, counts_for, generate
from benchmarks.run import (
    FLOOR_JOBS,
    JobTimer,
    OtherJobsReads,
    QueryCounter,
    RemoteStandIn,
    RenderTimer,
    _NoDelivery,
    _queued_since,
    _services,
    _tick_items,
    floor_jobs_ratio,
    measure_tick_process,
    same_items,
)
from bot.demo.slack_standin import SlackStandIn
from models import OutboxMessage, Selection, SelectionRound, Staff
from models.db import create_db_engine
from scheduler.jobs import run_due_work

SCALE = 0.01


def _count(session: Session, table: str) -> int:
    return session.exec(text(f'SELECT count(*) FROM "{table}"')).one()[0]


def test_the_generator_writes_the_authority_at_a_tiny_scale(database_url):
    written = generate(database_url, SCALE)
    expected = counts_for(SCALE)
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            assert _count(session, "team") == written["team"] == expected["teams"] == 2
            assert _count(session, "staff") == expected["staff"] == 15
            assert _count(session, "case") == expected["open_cases"] + expected["closed_cases"]
            open_cases = session.exec(text("SELECT count(*) FROM \"case\" WHERE status = 'open'"))
            assert open_cases.one()[0] == expected["open_cases"] == 300
            assert _count(session, "selectionround") == HISTORY_MONTHS
            current = session.exec(
                select(func.count()).select_from(Selection).where(Selection.status != "replaced")
            ).one()
            assert current == HISTORY_MONTHS * expected["teams"]  # a case a month per manager
            for table in ("booking", "familyengagement", "audit", "auditaction", "tacsupervision"):
                assert 0 < _count(session, table) == written[table], table
            for table in ("tacdecision", "tactask", "tacsummary", "tacschedulerun"):
                assert 0 < _count(session, table) == written[table], table
            statuses = set(session.exec(select(OutboxMessage.status).distinct()).all())
            assert statuses <= {"sent", "failed"}  # history only: nothing waiting to be sent
            busy_month = session.exec(
                select(SelectionRound).where(SelectionRound.month == "2026-06")
            ).first()
            assert busy_month is None  # the busy day's draw is left to the tick
            managers = session.exec(select(Staff).where(Staff.roles == "team_manager")).all()
            assert len(managers) == expected["team_managers"]
    finally:
        engine.dispose()


def test_the_same_seed_gives_the_same_authority(tmp_path):
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    assert generate(first, SCALE) == generate(second, SCALE)
    rows = []
    for url in (first, second):
        engine = create_db_engine(url)
        with Session(engine) as session:
            rows.append(
                session.exec(text("SELECT id, case_id, pool_size FROM selection ORDER BY id")).all()
            )
        engine.dispose()
    assert rows[0] == rows[1]


def test_the_busy_day_tick_finds_what_the_floor_finds(database_url):
    generate(database_url, SCALE)
    engine = create_db_engine(database_url)
    try:
        with SlackStandIn() as slack:
            services = _services(database_url, slack.api_url, lambda: BUSY_DAY, engine)
            floor = find_due_items(engine, BUSY_DAY, services.policy, services.calendar)
            before = _max_id(engine)
            services.sender = _NoDelivery()
            report = run_due_work(services, BUSY_DAY)
        tick = _tick_items(report, _queued_since(engine, before))
    finally:
        engine.dispose()
    assert floor.items["selection_dms"] == tick["selection_dms"] == 2
    assert tick["tac_digests"] > 0
    assert same_items(floor.items, tick), (floor.items, tick)


def test_every_job_of_the_tick_is_timed_with_the_rows_it_queued(database_url):
    """The per-job figures split the tick between the jobs the floor reads for and the rest:
    the floor's jobs must still be jobs of the tick (a rename would drop them silently), and
    every queued row must be counted against one job."""
    generate(database_url, SCALE)
    engine = create_db_engine(database_url)
    counter = QueryCounter(engine)
    try:
        with SlackStandIn() as slack:
            services = _services(database_url, slack.api_url, lambda: BUSY_DAY, engine)
            before = _max_id(engine)
            services.sender = _NoDelivery()
            other_reads = OtherJobsReads()
            with (
                RenderTimer() as renders,
                JobTimer(renders, counter) as timer,
                other_reads.recording(engine, timer),
            ):
                run_due_work(services, BUSY_DAY)
        queued = sum(_queued_since(engine, before).values())
        replayed_s, replayed_rows = other_reads.replay(engine)
    finally:
        engine.dispose()
    assert set(timer.jobs) >= FLOOR_JOBS
    # The other jobs' reads (retention's, the briefing's…) replay through the bare driver.
    assert len(other_reads.statements) > 20
    assert replayed_s > 0 and replayed_rows > 0
    assert sum(cost.rows for cost in timer.jobs.values()) == queued > 0
    assert timer.jobs["run_scheduled_draw"].rows > 0
    assert timer.jobs["send_weekly_digests"].render_seconds > 0
    run = {
        "sweep_jobs": {name: vars(cost) for name, cost in timer.jobs.items()},
        "floor_s": 0.01,
        "floor_write_s": 0.01,
        "floor_commit_s": 0.01,
    }
    figures = floor_jobs_ratio(run)
    timed = sum(cost.seconds for cost in timer.jobs.values())
    assert figures["floor_jobs_s"] + figures["other_jobs_s"] == pytest.approx(timed)
    assert figures["floor_jobs_ratio"] > 0


def _max_id(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.max(OutboxMessage.id))).one() or 0


def test_the_tick_process_reports_its_own_peak_memory(tmp_path):
    """`auditbot tick` as the benchmark runs it: a real process that delivers, and writes the
    peak of its own memory (not the peak carried over from the benchmark it was forked from)."""
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    generate(url, SCALE)
    with SlackStandIn() as slack:
        measured = measure_tick_process(url, slack, BUSY_DAY)
    assert "drew the 2026-06 selection" in measured["summary"]
    assert 20 < measured["tick_peak_mb"] < 1000


def test_the_stand_in_starts_in_a_process_of_its_own():
    """The ack and DM benchmarks run the stand-in as `python -m benchmarks.standin_process`
    from the repository's root."""
    slack = RemoteStandIn()
    try:
        assert slack.api_url.startswith("http://127.0.0.1:")
    finally:
        slack.close()


def test_the_alert_benchmark_times_a_category_1_alert(tmp_path):
    """The alert-latency benchmark at a tiny scale: the alert reaches the stand-in (no figure is
    asserted: tests never assert on wall time)."""
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    generate(url, SCALE)
    measured = measure_alert_latency(url)
    assert measured["alert_latency_s"] is not None
    assert measured["alert_routine_queued"] == ROUTINE
