"""Measure Auditbot on a generated authority, as ratios against floors measured in the same run.

    python -m benchmarks.run [--scales 1,2,4] [--database-url URL] [--out benchmarks/results.json]

Per scale, on fresh copies of the generated database (`benchmarks.generate`, made if missing):

- the daily tick (`scheduler.jobs.run_due_work`) on the busy day, the sweep without delivery:
  time (median of --repeat fresh copies, in a warm process), database queries issued, and the
  ratio to the floor (`benchmarks.floor`: hand-written SQL finding the same due items); then the
  delivery of what it queued to the Slack stand-in (per_channel_interval=0), measured apart;
- the monthly selection alone (`draw_monthly_selection` for every team manager, rolled back);
- the monthly QA briefing for the month before the busy day: figures (`compute_briefing`) and
  its files (CSV tables, Markdown, PNG chart), time and queries;
- acknowledgement latency p50/p99 of `/audit status` and of a button click, 20 concurrent
  signed requests against `auditbot serve` (a real process: waitress, the real Bolt app),
  against a bare Bolt app with no-op listeners on the same stack (`benchmarks.bare_bolt`);
  `serve` answers after the ack (the table on the response_url, a form), and each round waits
  for those answers before the next starts;
- 500 DMs through the outbox sender against the stand-in enforcing a rate limit and injecting
  429s: time against the bound the limiter (and the injected Retry-After waits) allow, lost and
  duplicated messages;
- peak resident memory (VmHWM) of `auditbot serve` after that load and of `auditbot tick`.

With a PostgreSQL URL the run creates its own databases on that server (auditbot_bench_s<N>
and a working copy), and drops them at the end unless --keep. The JSON file keeps one entry
per database kind, so SQLite and PostgreSQL runs sit side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

import bot.core.outbox
import scheduler.jobs
from benchmarks.floor import commit_floor, find_due_items, write_floor
from benchmarks.generate import GENERATOR_ACTION, SEED, generate
from bot.bootstrap import Auditbot, system_clock
from bot.core.config import Settings
from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.demo.slack_requests import button_click_body, sign, slash_command_body
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from bot.report.figures import compute_briefing
from bot.report.files import summary_files, table_files
from bot.report.period import Period
from bot.selection.draw import draw_monthly_selection
from bot.slack.sender import DeliveryReport, OutboxSender
from models import AuditLogEntry, OutboxMessage, Selection, SelectionRound, Staff
from models.db import create_db_engine, transaction, upgrade_database
from scheduler.jobs import run_due_work

TOKEN = "xoxb-bench"
SECRET = "bench-signing-secret"
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "results.json"
CONCURRENCY = 20
DM_COUNT = 500
DM_RATE = 50.0  # per second: the stand-in's limit on chat.postMessage
DM_INJECTED_429 = 4  # spread out, each with Retry-After: 1
# The sender's own limit, as a share of the stand-in's: the margin keeps thread scheduling on
# either side from making two calls arrive closer than they were sent (each 429 costs ~1.5 s).
DM_PACE_SHARE = 0.95
DM_UNPACED_COUNT = 100  # without pacing each message costs ~1.5 s: 500 would take ~10 minutes
MEMORY_LIMIT_MB = 150


# -- databases -----------------------------------------------------------------------------------


class Databases:
    """The generated database per scale, and fresh working copies of it."""

    def __init__(self, url: str, *, keep: bool, regenerate: bool) -> None:
        self.url = make_url(url)
        self.kind = "postgresql" if self.url.drivername.startswith("postgresql") else "sqlite"
        self.keep = keep
        self.regenerate = regenerate
        self._created: list[str] = []

    # SQLite: files next to the given one; PostgreSQL: databases on the given server.
    def base(self, scale: float) -> str:
        return self._named(f"s{scale:g}".replace(".", "_"))

    def work(self, scale: float) -> str:
        return self._named(f"s{scale:g}_work".replace(".", "_"))

    def _named(self, suffix: str) -> str:
        if self.kind == "sqlite":
            path = Path(self.url.database or "/tmp/auditbot-bench.db")
            return f"sqlite:///{path.with_name(f'{path.stem}-{suffix}{path.suffix}')}"
        return self.url.set(database=f"auditbot_bench_{suffix}").render_as_string(
            hide_password=False
        )

    def _admin(self) -> Engine:
        return create_db_engine(self.url.render_as_string(hide_password=False))

    def _pg(self, *statements: str) -> None:
        admin = self._admin()
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            admin.dispose()

    def ensure(self, scale: float) -> tuple[str, float]:
        """The generated database for `scale` (generated now if missing or different), as the
        application leaves it once a command has started on it: migrated to the newest schema
        and, on SQLite, given its planner statistics (models/db.py)."""
        url = self.base(scale)
        generated_s = 0.0
        if self.regenerate or _generated_scale(url) != scale:
            if self.kind == "postgresql":
                name = make_url(url).database
                self._pg(
                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
                )
                self._created.append(name)
            started = time.perf_counter()
            generate(url, scale, replace=True)
            generated_s = time.perf_counter() - started
        engine = create_db_engine(url)
        try:
            upgrade_database(engine)
        finally:
            engine.dispose()
        return url, generated_s

    def fresh_copy(self, scale: float, engine: Engine | None = None) -> str:
        """The generated database copied to the working one. An `engine` already on the
        working database is closed first and keeps working on the copy (its statement cache
        too): the SQLite file is rewritten in place, the same file."""
        base, work = self.base(scale), self.work(scale)
        if engine is not None:
            engine.dispose()
        if self.kind == "sqlite":
            source = Path(make_url(base).database)
            target = Path(make_url(work).database)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(source, target)
            return work
        name, template = make_url(work).database, make_url(base).database
        self._pg(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{template}"',
        )
        if name not in self._created:
            self._created.append(name)
        return work

    def cleanup(self, scales: list[float]) -> None:
        work = [self.work(scale) for scale in scales]
        if self.kind == "sqlite":
            for url in work:
                Path(make_url(url).database).unlink(missing_ok=True)
            return
        names = {make_url(url).database for url in work}
        if not self.keep:
            names.update(self._created)
            names.update(make_url(self.base(scale)).database for scale in scales)
        self._pg(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in sorted(names)))


def _generated_scale(url: str) -> float | None:
    if url.startswith("sqlite:///") and not Path(make_url(url).database).exists():
        return None
    try:
        engine = create_db_engine(url)
    except Exception:
        return None
    try:
        with Session(engine) as session:
            entry = session.exec(
                select(AuditLogEntry).where(AuditLogEntry.action == GENERATOR_ACTION)
            ).first()
        if entry is None or entry.details.get("seed") != SEED:
            return None
        return float(entry.details["scale"])
    except Exception:
        return None
    finally:
        engine.dispose()


def busy_day_of(url: str) -> datetime:
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            entry = session.exec(
                select(AuditLogEntry).where(AuditLogEntry.action == GENERATOR_ACTION)
            ).one()
        return datetime.fromisoformat(entry.details["busy_day"])
    finally:
        engine.dispose()


# -- counting queries ----------------------------------------------------------------------------


class QueryCounter:
    """Counts the statements an engine sends (SQLAlchemy's before_cursor_execute event), the
    time spent in the driver executing them, and the commits and their time (each a write
    to disk: SQLite's write-ahead log synced, and now and then copied back to the database)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.seconds = 0.0
        self.commits = 0
        self.commit_seconds = 0.0
        self.statements: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        commit = engine.dialect.do_commit

        def timed_commit(dbapi_connection: Any) -> None:
            started = time.perf_counter()
            try:
                commit(dbapi_connection)
            finally:
                self.commits += 1
                self.commit_seconds += time.perf_counter() - started

        engine.dialect.do_commit = timed_commit  # type: ignore[method-assign]

    def _before(self, conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        self.count += 1
        self.statements[" ".join(statement.split())[:160]] += 1
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, *_args: Any) -> None:  # noqa: ANN001
        started = conn.info.get("bench_started")
        if started:
            self.seconds += time.perf_counter() - started.pop()

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.commits = 0
        self.commit_seconds = 0.0
        self.statements.clear()

    def top(self, n: int = 8) -> list[list[Any]]:
        return [[count, sql] for sql, count in self.statements.most_common(n)]


class RenderTimer:
    """Times `messages.render` wherever the application imported it (benchmark only)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._patched: list[tuple[Any, Any]] = []

    def __enter__(self) -> RenderTimer:
        import messages

        original = messages.render

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.count += 1
                self.seconds += time.perf_counter() - started

        for module in list(sys.modules.values()):
            if getattr(module, "render", None) is original and module is not messages:
                self._patched.append((module, original))
                module.render = timed  # type: ignore[attr-defined]
        return self

    def __exit__(self, *_exc: object) -> None:
        for module, original in self._patched:
            module.render = original


# The jobs whose due items the read floor (benchmarks/floor.py) finds. The others (retention,
# the re-audit draw, the briefing, the team digests…) are timed and rendered in the tick and
# their messages written in the floor, but the read floor reads nothing for them.
FLOOR_JOBS = frozenset(
    {
        "run_scheduled_draw",
        "send_weekly_digests",
        "send_month_end_lists",
        "send_task_reminders",
        "run_booking_schedule",
        "run_engagement_schedule",
        "chase_alerts",
        "remind_actions",
    }
)


@dataclass
class JobCost:
    seconds: float = 0.0
    render_seconds: float = 0.0
    statements: int = 0
    commits: int = 0
    rows: int = 0


class JobTimer:
    """Times each of the tick's jobs (`scheduler.jobs._once`): its time, rendering, statements,
    commits and outbox rows queued (`bot.core.outbox._row`, which every queued row goes
    through). Benchmark only: a counter per row, nothing the tick waits on."""

    def __init__(self, renders: RenderTimer, counter: QueryCounter) -> None:
        self.renders, self.counter = renders, counter
        self.jobs: dict[str, JobCost] = {}
        self.rows = 0
        self.current: str | None = None  # the job running

    def __enter__(self) -> JobTimer:
        self._once, self._row = scheduler.jobs._once, bot.core.outbox._row

        def counted_row(**values: Any) -> dict:
            self.rows += 1
            return self._row(**values)

        def timed_once(services: Any, tick: Any, job: Any, read_before: dict) -> Any:
            cost = self.jobs.setdefault(job.__name__, JobCost())
            rows, render_s = self.rows, self.renders.seconds
            statements, commits = self.counter.count, self.counter.commits
            self.current = job.__name__
            started = time.perf_counter()
            try:
                return self._once(services, tick, job, read_before)
            finally:
                cost.seconds += time.perf_counter() - started
                self.current = None
                cost.render_seconds += self.renders.seconds - render_s
                cost.statements += self.counter.count - statements
                cost.commits += self.counter.commits - commits
                cost.rows += self.rows - rows

        scheduler.jobs._once, bot.core.outbox._row = timed_once, counted_row
        return self

    def __exit__(self, *_exc: object) -> None:
        scheduler.jobs._once, bot.core.outbox._row = self._once, self._row


class OtherJobsReads:
    """The reads of the jobs the read floor has no hand-written SQL for (retention, the re-audit
    draw, the briefing, the team digests…), as their driver got them, recorded in the warm-up
    tick. Sent again through the driver alone on each fresh copy before its tick, they are those
    jobs' read floor, as the write floor sends the tick's own rows again."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.recorded = False

    @contextlib.contextmanager
    def recording(self, engine: Engine, jobs: JobTimer) -> Iterator[None]:
        """Records the first tick it is given; later ones only replay."""
        if self.recorded:
            yield
            return

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
            many = rest[-1]
            if jobs.current is None or jobs.current in FLOOR_JOBS or many:
                return
            head = statement.lstrip()[:6].upper()
            if head == "SELECT" or head.startswith("WITH "):
                self.statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", record)
            self.recorded = True

    def replay(self, engine: Engine) -> tuple[float, int]:
        """Each recorded read executed and fetched through the bare driver cursor (rolled
        back): the median of three passes after one that warms, as the floor is timed; and how
        many rows a pass fetched."""
        if not self.statements:
            return 0.0, 0
        passes, rows = [], 0
        with engine.connect() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                for attempt in range(4):
                    started = time.perf_counter()
                    rows = 0
                    for statement, parameters in self.statements:
                        cursor.execute(statement, parameters)
                        rows += len(cursor.fetchall())
                    if attempt:
                        passes.append(time.perf_counter() - started)
            finally:
                cursor.close()
                connection.rollback()
        return _median(passes), rows


def floor_jobs_ratio(run: dict[str, Any]) -> dict[str, float]:
    """The tick's jobs whose due items the read floor finds, against their share of the
    physical floor: all of the read floor, the written rows and commits in proportion to
    theirs, their own rendering."""
    jobs = {name: JobCost(**cost) for name, cost in run["sweep_jobs"].items()}
    covered = [cost for name, cost in jobs.items() if name in FLOOR_JOBS]
    rows = sum(cost.rows for cost in jobs.values()) or 1
    commits = sum(cost.commits for cost in jobs.values()) or 1
    seconds = sum(cost.seconds for cost in covered)
    floor = (
        run["floor_s"]
        + run["floor_write_s"] * sum(cost.rows for cost in covered) / rows
        + sum(cost.render_seconds for cost in covered)
        + run["floor_commit_s"] * sum(cost.commits for cost in covered) / commits
    )
    return {
        "floor_jobs_s": seconds,
        "floor_jobs_physical_floor_s": floor,
        "floor_jobs_ratio": seconds / floor,
        "other_jobs_s": sum(cost.seconds for name, cost in jobs.items() if name not in FLOOR_JOBS),
    }


class _NoDelivery:
    """Stands in for the sender while the sweep is timed: delivery is measured on its own."""

    def deliver_due(self) -> DeliveryReport:
        return DeliveryReport()


def _services(
    url: str,
    api_url: str,
    now: Callable[[], datetime],
    engine: Engine,
    per_channel_interval: float = 0,
) -> Any:
    settings = Settings(
        database_url=url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
    )
    bot = Auditbot(
        settings,
        Policy(),
        token=TOKEN,
        clock=now,
        per_channel_interval=per_channel_interval,
        engine=engine,
    )
    return bot.services


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# -- the daily tick, its floor, the selection ----------------------------------------------------


def _max_outbox_id(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.max(OutboxMessage.id))).one() or 0


def _queued_since(engine: Engine, after_id: int) -> Counter[str]:
    with Session(engine) as session:
        keys = session.exec(
            select(OutboxMessage.idempotency_key).where(col(OutboxMessage.id) > after_id)
        ).all()
    kinds: Counter[str] = Counter()
    for key in keys:
        parts = key.split(":")
        kind = parts[0]
        if kind == "booking" and len(parts) > 2:
            kind = f"booking-{parts[2]}"
        elif kind in ("engagement", "action") and len(parts) > 2:
            kind = f"{kind}-{parts[2]}"
        kinds[kind] += 1
    return kinds


def measure_tick(
    engine: Engine,
    counter: QueryCounter,
    slack: SlackStandIn,
    now: datetime,
    other_reads: OtherJobsReads,
) -> dict[str, Any]:
    """One busy-day tick on the engine's (fresh) copy: the floor first (read only), then the
    sweep, then the delivery of what the sweep queued."""
    url = engine.url.render_as_string(hide_password=False)
    try:
        services = _services(url, slack.api_url, lambda: now, engine)
        find_due_items(engine, now, services.policy, services.calendar)  # warms the caches
        floor_runs = [find_due_items(engine, now, services.policy, services.calendar)]
        floor_runs += [
            find_due_items(engine, now, services.policy, services.calendar) for _ in range(2)
        ]
        floor = min(floor_runs, key=lambda run: run.seconds)
        floor_seconds = _median([run.seconds for run in floor_runs])
        other_reads_s, other_rows = other_reads.replay(engine)
        before = _max_outbox_id(engine)
        sender, services.sender = services.sender, _NoDelivery()
        counter.reset()
        with (
            RenderTimer() as renders,
            JobTimer(renders, counter) as jobs,
            other_reads.recording(engine, jobs),
        ):
            started = time.perf_counter()
            report = run_due_work(services, now)
            sweep = time.perf_counter() - started
        sweep_queries, sweep_sql, top = counter.count, counter.seconds, counter.top()
        commits, commit_s = counter.commits, counter.commit_seconds
        queued = _queued_since(engine, before)
        write_s, written = write_floor(engine, before)
        floor_commit_s = commit_floor(engine, commits)
        services.sender = sender
        slack.clear()
        counter.reset()
        started = time.perf_counter()
        delivered = sender.deliver_due()
        delivery = time.perf_counter() - started
        return {
            "sweep_s": sweep,
            "sweep_queries": sweep_queries,
            "sweep_sql_s": sweep_sql,
            "sweep_render_s": renders.seconds,
            "sweep_commits": commits,
            "sweep_commit_s": commit_s,
            "sweep_renders": renders.count,
            "sweep_top_statements": top,
            "sweep_jobs": {name: dataclasses.asdict(cost) for name, cost in jobs.jobs.items()},
            "floor_s": floor_seconds,
            "floor_other_reads_s": other_reads_s,
            "floor_other_reads": len(other_reads.statements),
            "floor_other_rows": other_rows,
            "floor_queries": floor.queries,
            "floor_items": floor.items,
            "floor_write_s": write_s,
            "floor_commit_s": floor_commit_s,
            "floor_written": written,
            "tick_items": _tick_items(report, queued),
            "queued": dict(sorted(queued.items())),
            "delivery_s": delivery,
            "delivery_queries": counter.count,
            "delivered": delivered.sent,
            "delivery_failed": delivered.failed,
            "delivery_retried": delivered.retried,
        }
    finally:
        engine.dispose()


def _tick_items(report: Any, queued: Counter[str]) -> dict[str, int]:
    follow_ups = getattr(report, "follow_ups", None)
    if follow_ups is None:
        follow_ups = getattr(report, "booking_messages", 0)
    return {
        "slack_lookups": report.slack_ids_found,
        "selection_dms": queued.get("selection", 0),
        "tac_digests": report.tac.digests,
        "tac_month_end": report.tac.month_end_lists,
        "tac_reminders": report.tac.reminders,
        "follow_ups": follow_ups,
    }


def same_items(floor: dict[str, int], tick: dict[str, int]) -> bool:
    follow_ups = sum(
        floor.get(kind, 0)
        for kind in (
            "booking_reminders",
            "booking_followups",
            "engagement_prompts",
            "alerts",
            "action_reminders",
        )
    )
    return all(
        floor.get(kind) == tick.get(kind)
        for kind in ("selection_dms", "tac_digests", "tac_reminders")
    ) and (follow_ups == tick["follow_ups"])


def measure_selection(url: str, slack: SlackStandIn, now: datetime, repeat: int) -> dict[str, Any]:
    """The month's draw for every team manager, rolled back after each run."""
    engine = create_db_engine(url)
    counter = QueryCounter(engine)
    try:
        services = _services(url, slack.api_url, lambda: now, engine)
        month = Month.of(now.astimezone(services.calendar.timezone).date())
        tick = dataclasses.replace(services.tick(now), new_seed=lambda: "benchmark")
        runs, managers, queries = [], 0, 0
        for attempt in range(repeat + 1):
            with Session(engine, expire_on_commit=False) as session:
                counter.reset()
                started = time.perf_counter()
                outcome = draw_monthly_selection(session, tick, month, actor="benchmark")
                session.flush()
                seconds = time.perf_counter() - started
                session.rollback()
            if attempt:  # the first run warms the process (templates, statement cache)
                runs.append(seconds)
            managers, queries = outcome.manager_count, counter.count
        return {"selection_s": _median(runs), "selection_queries": queries, "managers": managers}
    finally:
        engine.dispose()


def measure_report(url: str, now: datetime, repeat: int) -> dict[str, Any]:
    """The month before the busy day's QA briefing: figures, then every file it is sent as."""
    engine = create_db_engine(url)
    counter = QueryCounter(engine)
    policy, timezone = Policy(), Settings().timezone
    today = now.astimezone(timezone).date()
    period = Period.month(Month.of(today).plus(-1))
    try:
        figures, files = [], []
        for attempt in range(repeat + 1):
            with Session(engine) as session:
                counter.reset()
                started = time.perf_counter()
                briefing = compute_briefing(
                    session, period, framework=policy.framework, timezone=timezone, as_of=today
                )
                computed = time.perf_counter()
                written = len(summary_files(briefing)) + len(table_files(briefing))
                finished = time.perf_counter()
            if attempt:  # the first run warms the process (Pillow, statement cache)
                figures.append(computed - started)
                files.append(finished - computed)
        return {
            "report_s": _median(figures),
            "report_files_s": _median(files),
            "report_queries": counter.count,
            "report_files": written,
        }
    finally:
        engine.dispose()


# -- processes: serve, the bare Bolt app, tick -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(url: str, slack: SlackStandIn | RemoteStandIn, port: int | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("AUDITBOT_CONFIG", None)
    if port is not None:
        env["PORT"] = str(port)
    return env


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    # Its log goes to a file: an unread pipe fills up and then blocks the server mid-load.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while not _healthy(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode()[-2000:]
                    raise RuntimeError(f"{' '.join(args)} did not start: {output}")
                time.sleep(0.1)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _memory_mb(pid: int, field_name: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    return math.nan


def _post(port: int, body: str) -> float:
    """Send one signed request (a new connection, as Slack does); seconds until the answer."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body.encode(),
        headers=sign(SECRET, body),
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    return time.perf_counter() - started


def _load(port: int, bodies: list[str], per_thread: int) -> list[float]:
    """CONCURRENCY client threads, each sending `per_thread` requests back to back."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(CONCURRENCY)

    def client(index: int) -> None:
        start.wait()
        mine = []
        try:
            for n in range(per_thread):
                mine.append(_post(port, bodies[(index * per_thread + n) % len(bodies)]))
        except BaseException as error:  # reported below
            errors.append(error)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} request(s) failed, e.g. {errors[0]!r}")
    return latencies


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return ordered[index]


class RemoteStandIn:
    """`benchmarks.standin_process`: the stand-in in its own process (see there why)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.standin_process"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.api_url = json.loads(self.process.stdout.readline())["api_url"]

    def response_url(self, token: str) -> str:
        return self.api_url.removesuffix("api/") + f"respond/{token}"

    def do(self, **command: Any) -> dict[str, Any]:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=20)


def _ack_requests(url: str, slack: RemoteStandIn, now: datetime) -> dict[str, list[str]]:
    """Signed-request bodies: `/audit status` by an administrator for last month, and a click on
    "Ask for a different case" by team managers on last month's selection DMs."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            admins = session.exec(
                select(Staff.slack_user_id)
                .where(col(Staff.roles).contains("admin"), col(Staff.slack_user_id).is_not(None))
                .order_by(Staff.id)
            ).all()
            month = Month.of(now.date()).plus(-1)
            clicks = session.exec(
                select(Selection.id, Staff.slack_user_id)
                .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
                .join(Staff, col(Staff.id) == Selection.manager_id)
                .where(SelectionRound.month == str(month), Selection.status == "selected")
                .order_by(Selection.id)
                .limit(CONCURRENCY * 2)
            ).all()
    finally:
        engine.dispose()
    status = [
        slash_command_body(
            "/audit", f"status {month}", user_id=admin, response_url=slack.response_url("s")
        )
        for admin in admins
    ]
    click = []
    for selection_id, user_id in clicks:
        message = {
            "channel": "D" + user_id[1:],
            "ts": "1700000000.000100",
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {"action_id": "selection.request_redraw", "value": str(selection_id)}
                    ],
                }
            ],
        }
        click.append(
            button_click_body(
                user_id=user_id,
                message=message,
                action_id="selection.request_redraw",
                response_url=slack.response_url("c"),
            )
        )
    return {"status": status, "click": click}


def _answers(slack: RemoteStandIn) -> int:
    """Requests answered after their ack so far: a reply on the response_url, or a form."""
    return slack.do(do="count", methods=["response_url", "views.open"])["count"]


def _await_answers(slack: RemoteStandIn, expected: int) -> float:
    """Wait until `serve` has answered what it acknowledged, so that the next measurement does
    not share the machine with that work; seconds waited."""
    started = time.perf_counter()
    deadline = started + 300
    while (answered := _answers(slack)) < expected:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"serve answered {answered} of {expected} requests")
        time.sleep(0.02)
    return time.perf_counter() - started


def measure_ack(url: str, now: datetime, per_thread: int, rounds: int) -> dict[str, Any]:
    """Ack latency of `auditbot serve` and of the bare Bolt app, both running side by side;
    the kinds and apps alternate in rounds so both see the same machine. `serve` answers after
    the ack (the status table, a form); each round waits for those answers (their backlog is
    reported as `<kind>_answers_after_s`, the longest) before the next one starts. The stand-in
    runs in its own process (`benchmarks.standin_process`)."""
    slack = RemoteStandIn()
    try:
        return _measure_ack(url, slack, now, per_thread, rounds)
    finally:
        slack.close()


def _measure_ack(
    url: str, slack: RemoteStandIn, now: datetime, per_thread: int, rounds: int
) -> dict[str, Any]:
    bodies = _ack_requests(url, slack, now)
    serve_port, bare_port = _free_port(), _free_port()
    samples: dict[str, list[float]] = {}
    result: dict[str, Any] = {}
    serve = _process(
        ["-m", "bot.cli", "serve", "--no-scheduler", "--host", "127.0.0.1"],
        _env(url, slack, serve_port),
        serve_port,
    )
    bare = _process(["-m", "benchmarks.bare_bolt"], _env(url, slack, bare_port), bare_port)
    with serve as serve_process, bare as bare_process:
        ports = {"serve": serve_port, "bare": bare_port}
        expected = _answers(slack)

        def answered(app: str, latencies: list[float]) -> float:
            """Seconds `serve` still worked on its answers after the last ack (bare: none)."""
            nonlocal expected
            if app == "bare":
                return 0.0
            expected += len(latencies)
            return _await_answers(slack, expected)

        for kind in ("status", "click"):  # warm both apps up
            for app, port in ports.items():
                answered(app, _load(port, bodies[kind], 2))
        for kind in ("status", "click"):  # one request at a time: the cost of one
            for app, port in ports.items():
                alone = []
                for n in range(20):
                    alone.append(_post(port, bodies[kind][n % len(bodies[kind])]))
                    answered(app, alone[-1:])
                result[f"{kind}_{app}_alone_ms"] = statistics.median(alone) * 1000
        for _ in range(rounds):
            for kind in ("status", "click"):
                for app, port in ports.items():
                    latencies = _load(port, bodies[kind], per_thread)
                    samples.setdefault(f"{kind}_{app}", []).extend(latencies)
                    waited = answered(app, latencies)
                    key = f"{kind}_answers_after_s"
                    result[key] = max(result.get(key, 0.0), waited)
        result["serve_peak_mb"] = _memory_mb(serve_process.pid)
        result["bare_peak_mb"] = _memory_mb(bare_process.pid)
    for name, values in samples.items():
        result[f"{name}_p50_ms"] = _percentile(values, 0.50) * 1000
        result[f"{name}_p99_ms"] = _percentile(values, 0.99) * 1000
        result[f"{name}_n"] = len(values)
    for kind in ("status", "click"):
        result[f"{kind}_p99_ratio"] = result[f"{kind}_serve_p99_ms"] / result[f"{kind}_bare_p99_ms"]
    return result


# `python -m bot.cli` that writes its own peak resident set (VmHWM) as it exits. The rusage
# of a child is no measure: Linux carries the peak of the memory it was forked from (this
# benchmark's, as large as it has grown) across the exec.
_CLI_REPORTING_PEAK = """
import atexit, runpy, sys
def report(field):
    status = open("/proc/self/status").read().splitlines()
    sys.stderr.write(next(line for line in status if line.startswith(field)) + "\\n")
atexit.register(report, "VmHWM")
import scheduler.jobs
run_due_work = scheduler.jobs.run_due_work
def started_work(*args, **kwargs):
    report("VmRSS")  # what the process holds once started, before the day's work
    return run_due_work(*args, **kwargs)
scheduler.jobs.run_due_work = started_work
runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
"""


def measure_tick_process(url: str, slack: SlackStandIn, now: datetime) -> dict[str, Any]:
    """`auditbot tick --now <busy day>` as an operator runs it (a cold process that also
    delivers, with the production pacing): wall time and peak resident memory."""
    slack.clear()
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", _CLI_REPORTING_PEAK, "tick", "--now", now.isoformat()],
        env=_env(url, slack),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"auditbot tick failed: {process.stderr[-2000:]}")
    peak_kb = int(process.stderr.rsplit("VmHWM:", 1)[1].split()[0])
    before_work_kb = int(process.stderr.split("VmRSS:", 1)[1].split()[0])
    return {
        "tick_process_s": seconds,
        "tick_peak_mb": peak_kb / 1024,
        "tick_before_work_mb": before_work_kb / 1024,
        "summary": process.stdout.strip(),
    }


# -- 500 DMs through the outbox --------------------------------------------------------------------


class _RetrySleeps:
    """Records what the client's 429 handler sleeps (Retry-After plus its jitter)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        time.sleep(seconds)


@contextlib.contextmanager
def _recorded_rate_limit_sleeps() -> Iterator[_RetrySleeps]:
    import bot.slack.client

    sleeps = _RetrySleeps()
    original = bot.slack.client.time
    bot.slack.client.time = sleeps  # type: ignore[assignment]
    try:
        yield sleeps
    finally:
        bot.slack.client.time = original


def measure_dms(url: str, *, count: int, paced: bool) -> dict[str, Any]:
    """Queue `count` DMs, then deliver them against the stand-in (its own process) limiting
    chat.postMessage to DM_RATE a second and injecting DM_INJECTED_429 more 429s
    (Retry-After: 1), spread out.

    `paced`: the sender keeps under the limit itself (OutboxSender's max_per_second, 5% under
    it); otherwise it runs as the composition root makes it and learns the limit from 429s."""
    slack = RemoteStandIn()
    engine = create_db_engine(url)
    try:
        services = _services(url, slack.api_url, system_clock, engine)
        if paced:
            services.sender = OutboxSender(
                services.make_session,
                services.client,
                system_clock,
                instance_id="bench-paced",
                per_channel_interval=0,
                max_per_second=DM_RATE * DM_PACE_SHARE,
            )
        now = system_clock()
        with transaction(services.make_session) as session:
            people = session.exec(
                select(Staff).where(col(Staff.slack_user_id).is_not(None)).order_by(Staff.id)
            ).all()
            for index in range(count):
                key = f"bench-dm:{index}"
                queue_dm(
                    session,
                    key=key,
                    recipient=people[index % len(people)],
                    message={"text": key, "blocks": [_section(key)]},
                    concern="bench-dm",
                    now=now,
                )
        method = "chat.postMessage"
        slack.do(do="rate_limit", method=method, per_second=DM_RATE)
        every = max(1, count // (DM_INJECTED_429 + 1))
        slack.do(do="inject_429", method=method, every=every, times=DM_INJECTED_429)
        with _recorded_rate_limit_sleeps() as sleeps:
            started = time.perf_counter()
            deadline = started + 900
            while time.perf_counter() < deadline:
                services.sender.deliver_due()
                if not _pending(engine, "bench-dm"):
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        report = slack.do(do="report", method=method)
        ours = {k: n for k, n in report["delivered"].items() if k.startswith("bench-dm:")}
        faults = report["faults"]
        injected = faults.get("http_429", 0)
        retry_after = sum(max(1, math.floor(s)) for s in sleeps.seconds)  # the headers' seconds
        bound = (count - 1) / DM_RATE + injected * 1.0
        with Session(engine) as session:
            not_sent = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.concern == "bench-dm", OutboxMessage.status != "sent")
            ).one()
        jitter = sum(sleeps.seconds) - retry_after
        return {
            "count": count,
            "seconds": seconds,
            "bound_s": bound,
            "ratio": seconds / bound,
            "ratio_without_jitter": (seconds - jitter) / bound,
            "lost": count - len(ours),
            "not_marked_sent": not_sent,
            "duplicated": sum(n - 1 for n in ours.values()),
            "rate_limited_429": faults.get("rate_limited", 0),
            "injected_429": injected,
            "retry_sleeps_s": round(sum(sleeps.seconds), 2),
            "retry_jitter_s": round(jitter, 2),
        }
    finally:
        engine.dispose()
        slack.close()


def _pending(engine: Engine, concern: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.concern == concern, OutboxMessage.status == "pending")
        ).one()


def _section(text_: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text_}}


# -- one scale ---------------------------------------------------------------------------------


@dataclass
class Options:
    repeat: int
    per_thread: int
    rounds: int
    parts: set[str]
    first_scale: bool = True


def measure_scale(
    databases: Databases, scale: float, slack: SlackStandIn, options: Options
) -> dict[str, Any]:
    base, generated_s = databases.ensure(scale)
    now = busy_day_of(base)
    result: dict[str, Any] = {"scale": scale, "generated_s": round(generated_s, 1)}
    engine = create_db_engine(base)
    try:
        with Session(engine) as session:
            result["rows"] = {
                name: session.exec(text(f'SELECT count(*) FROM "{name}"')).one()[0]
                for name in ("team", "staff", "case", "selection", "outboxmessage", "tacdecision")
            }
    finally:
        engine.dispose()
    say = _progress(f"{databases.kind} scale {scale:g}")
    if "tick" in options.parts:
        # One engine for the warm-up and the timed ticks, each on a fresh copy, as `serve`
        # keeps one engine (and its compiled statements) from one day's tick to the next.
        engine = create_db_engine(databases.work(scale))
        counter = QueryCounter(engine)
        other_reads = OtherJobsReads()  # recorded in the warm-up, replayed before each tick
        try:
            _warm_up(databases, scale, engine, counter, slack, now, other_reads)
            runs = []
            for attempt in range(options.repeat):
                say(f"tick {attempt + 1}/{options.repeat}")
                databases.fresh_copy(scale, engine)
                runs.append(measure_tick(engine, counter, slack, now, other_reads))
        finally:
            engine.dispose()
        chosen = sorted(runs, key=lambda run: run["sweep_s"])[len(runs) // 2]
        result.update(chosen)
        result["sweep_s"] = _median([run["sweep_s"] for run in runs])
        result["floor_s"] = _median([run["floor_s"] for run in runs])
        result["delivery_s"] = _median([run["delivery_s"] for run in runs])
        result["sweep_runs_s"] = [round(run["sweep_s"], 4) for run in runs]
        result["floor_write_s"] = _median([run["floor_write_s"] for run in runs])
        result["ratio_to_floor"] = result["sweep_s"] / result["floor_s"]
        result["ratio_to_find_and_write"] = result["sweep_s"] / (
            result["floor_s"] + result["floor_write_s"]
        )
        # Issue 23's floor: finding, writing, rendering the same messages, a commit per job.
        result["floor_commit_s"] = _median([run["floor_commit_s"] for run in runs])
        result["physical_floor_s"] = (
            result["floor_s"]
            + result["floor_write_s"]
            + result["sweep_render_s"]
            + result["floor_commit_s"]
        )
        result["ratio_to_physical_floor"] = result["sweep_s"] / result["physical_floor_s"]
        # The floor that reads for every job: the other jobs' own reads, replayed in raw SQL.
        result["floor_other_reads_s"] = _median([run["floor_other_reads_s"] for run in runs])
        result["complete_physical_floor_s"] = (
            result["physical_floor_s"] + result["floor_other_reads_s"]
        )
        result["ratio_to_complete_physical_floor"] = (
            result["sweep_s"] / result["complete_physical_floor_s"]
        )
        by_run = [floor_jobs_ratio(run) for run in runs]
        for key in by_run[0]:
            result[key] = _median([figures[key] for figures in by_run])
        result["same_items"] = same_items(result["floor_items"], result["tick_items"])
    if "selection" in options.parts:
        say("selection")
        result.update(measure_selection(databases.base(scale), slack, now, options.repeat))
    if "report" in options.parts:
        say("monthly report")
        result.update(measure_report(databases.base(scale), now, options.repeat))
    if "ack" in options.parts:
        say("ack latency")
        result.update(
            measure_ack(databases.fresh_copy(scale), now, options.per_thread, options.rounds)
        )
    if "dm" in options.parts:
        say(f"{DM_COUNT} DMs, paced")
        paced = measure_dms(databases.fresh_copy(scale), count=DM_COUNT, paced=True)
        result.update({f"dm_{name}": value for name, value in paced.items()})
    if "dm-unpaced" in options.parts and options.first_scale:
        say(f"{DM_UNPACED_COUNT} DMs as the composition root makes the sender (no pacing)")
        unpaced = measure_dms(databases.fresh_copy(scale), count=DM_UNPACED_COUNT, paced=False)
        result.update({f"dm_unpaced_{name}": value for name, value in unpaced.items()})
    if "alert" in options.parts and options.first_scale:
        from benchmarks.alert_latency import ROUTINE, measure_alert_latency

        say(f"a Category 1 alert raised with {ROUTINE:,} routine DMs queued")
        result.update(measure_alert_latency(databases.fresh_copy(scale)))
    if "import" in options.parts and options.first_scale:
        from benchmarks.import_cases import ROWS, measure_import

        say(f"auditbot import cases, {ROWS:,} rows")
        result.update(measure_import(databases.fresh_copy(scale)))
    if "memory" in options.parts:
        say("auditbot tick process")
        result.update(measure_tick_process(databases.fresh_copy(scale), slack, now))
    return result


def _warm_up(
    databases: Databases,
    scale: float,
    engine: Engine,
    counter: QueryCounter,
    slack: SlackStandIn,
    now: datetime,
    other_reads: OtherJobsReads,
) -> None:
    """One untimed tick on the same engine first: a long-running `serve` has its templates and
    compiled statements warm, and its start-up objects frozen out of the garbage collector's
    full collections (the cold `auditbot tick` process is timed apart). It records the reads
    of the jobs the read floor has no SQL for."""
    databases.fresh_copy(scale, engine)
    measure_tick(engine, counter, slack, now, other_reads)
    gc.collect()
    gc.freeze()


def _progress(prefix: str) -> Callable[[str], None]:
    def say(what: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {prefix}: {what}", file=sys.stderr, flush=True)

    return say


# -- targets and the table ---------------------------------------------------------------------


def targets(kind: str, scales: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met."""
    found: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: str, met: bool | None) -> None:
        found.append({"target": name, "value": value, "limit": limit, "met": met})

    one = scales.get("1")
    if one and "sweep_s" in one:
        if kind == "sqlite":
            add("daily tick at scale 1 (SQLite)", one["sweep_s"], "< 2 s", one["sweep_s"] < 2)
        limit = 2.0 if kind == "sqlite" else 2.5
        ratio = one.get("ratio_to_physical_floor")
        if ratio is not None:
            add("tick / physical floor at scale 1", ratio, f"<= {limit:g}x", ratio <= limit)
        queries = one["sweep_queries"]
        add("queries per busy-day tick at scale 1", queries, "<= 150", queries <= 150)
    with_tick = sorted((float(s), r) for s, r in scales.items() if "sweep_s" in r)
    if len(with_tick) >= 2:
        (low, first), (high, last) = with_tick[0], with_tick[-1]
        growth = last["sweep_s"] / first["sweep_s"]
        add(
            f"tick growth scale {low:g} -> {high:g}",
            growth,
            f"<= {high / low:g}x (linear)",
            growth <= high / low,
        )
    if one and "selection_s" in one:
        add("selection, 150 managers", one["selection_s"], "< 1 s", one["selection_s"] < 1)
    for scale, result in scales.items():
        if "status_p99_ratio" in result:
            for what in ("status", "click"):
                ratio = result[f"{what}_p99_ratio"]
                add(f"ack p99 {what} / bare Bolt, scale {scale}", ratio, "<= 1.5x", ratio <= 1.5)
        if "dm_ratio" in result:
            ok = (
                result["dm_ratio"] <= 1.1
                and result["dm_lost"] == 0
                and result["dm_duplicated"] == 0
            )
            add(
                f"500 DMs / rate bound, 0 lost, 0 dup, scale {scale}",
                result["dm_ratio"],
                "<= 1.1x",
                ok,
            )
        if "import_s" in result:
            ok = result["import_s"] < 10 and result["import_peak_mb"] < 150
            add(
                f"import of 100,000 cases: seconds (peak MB), scale {scale}",
                result["import_s"],
                f"< 10 s, < 150 MB ({result['import_peak_mb']:.0f} MB)",
                ok,
            )
        if result.get("alert_latency_s") is not None:
            latency = result["alert_latency_s"]
            add(
                f"Category 1 alert behind 1,000 routine DMs, scale {scale}",
                latency,
                "<= 5 s",
                latency <= 5,
            )
        for what in ("serve_peak_mb", "tick_peak_mb"):
            if what in result:
                value = result[what]
                add(
                    f"peak memory {what.split('_')[0]}, scale {scale}",
                    value,
                    "< 150 MB",
                    value < 150,
                )
        if "tick_before_work_mb" in result:
            add(
                f"tick before its work, scale {scale} (issue 23)",
                result["tick_before_work_mb"],
                "< 60 MB",
                result["tick_before_work_mb"] < 60,
            )
        if "tick_peak_mb" in result and float(scale) >= 4:
            add(
                f"peak memory tick, scale {scale} (issue 23)",
                result["tick_peak_mb"],
                "< 120 MB",
                result["tick_peak_mb"] < 120,
            )
    return found


ROWS = [
    ("teams / staff / cases (open+closed)", "{rows[team]:,} / {rows[staff]:,} / {rows[case]:,}"),
    ("history: outbox rows / TAC decisions", "{rows[outboxmessage]:,} / {rows[tacdecision]:,}"),
    ("**busy-day tick** (sweep, no delivery)", "{sweep_s:.3f} s"),
    ("  queries issued", "{sweep_queries:,}"),
    ("  of which SQL in the driver", "{sweep_sql_s:.3f} s"),
    ("  of which rendering messages", "{sweep_render_s:.3f} s ({sweep_renders} msgs)"),
    ("  of which committing", "{sweep_commit_s:.3f} s ({sweep_commits} commits)"),
    ("  floor: raw SQL, same due items", "{floor_ms:.1f} ms, {floor_queries} queries"),
    ("  ratio to floor", "{ratio_to_floor:.1f}x"),
    (
        "  floor + writing its rows (raw SQL)",
        "{floor_ms:.1f} + {floor_write_ms:.1f} ms ({floor_written} rows)",
    ),
    ("  ratio to floor + writing", "{ratio_to_find_and_write:.1f}x"),
    (
        "  physical floor: + rendering + a commit per job",
        "{physical_floor_ms:.1f} ms (rendering {render_ms:.1f}, {sweep_commits} commits "
        "{floor_commit_ms:.1f})",
    ),
    ("  ratio to physical floor", "{ratio_to_physical_floor:.2f}x"),
    (
        "  the jobs whose due items the floor finds",
        "{floor_jobs_ms:.0f} ms, {floor_jobs_ratio:.2f}x their floor "
        "({floor_jobs_floor_ms:.0f} ms)",
    ),
    ("  the jobs it reads nothing for", "{other_jobs_ms:.0f} ms"),
    (
        "  their own reads replayed in raw SQL",
        "{floor_other_reads_ms:.1f} ms ({floor_other_reads} statements, {floor_other_rows:,} rows)",
    ),
    (
        "  ratio to the physical floor with those reads",
        "{ratio_to_complete_physical_floor:.2f}x ({complete_physical_floor_ms:.1f} ms)",
    ),
    ("  same due items as the floor", "{same_items_text}"),
    ("  growth vs smallest scale", "{growth:.2f}x"),
    (
        "  delivery of what it queued",
        "{delivered} msgs, {delivery_s:.2f} s, {delivery_queries:,} q",
    ),
    ("**selection alone** (all managers)", "{selection_s:.3f} s, {selection_queries} queries"),
    (
        "**monthly report** (figures; files)",
        "{report_s:.3f} s, {report_queries} queries; {report_files_s:.3f} s, {report_files} files",
    ),
    (
        "**ack `/audit status`** p50 / p99",
        "{status_serve_p50_ms:.0f} / {status_serve_p99_ms:.0f} ms",
    ),
    ("  bare Bolt p50 / p99 (floor)", "{status_bare_p50_ms:.0f} / {status_bare_p99_ms:.0f} ms"),
    ("  p99 ratio", "{status_p99_ratio:.2f}x"),
    (
        "  one at a time: serve / bare",
        "{status_serve_alone_ms:.1f} / {status_bare_alone_ms:.1f} ms",
    ),
    ("  last answer sent, after the last ack", "{status_answers_after_s:.1f} s"),
    ("**ack button click** p50 / p99", "{click_serve_p50_ms:.0f} / {click_serve_p99_ms:.0f} ms"),
    ("  bare Bolt p50 / p99 (floor)", "{click_bare_p50_ms:.0f} / {click_bare_p99_ms:.0f} ms"),
    ("  p99 ratio", "{click_p99_ratio:.2f}x"),
    ("  one at a time: serve / bare", "{click_serve_alone_ms:.1f} / {click_bare_alone_ms:.1f} ms"),
    ("  last answer sent, after the last ack", "{click_answers_after_s:.1f} s"),
    ("**500 DMs**, sender paced: time / bound", "{dm_seconds:.1f} / {dm_bound_s:.1f} s"),
    (
        "  ratio (without the 429 jitter)",
        "{dm_ratio:.2f}x ({dm_ratio_without_jitter:.2f}x)",
    ),
    ("  lost / duplicated", "{dm_lost} / {dm_duplicated}"),
    ("  429s: limiter + injected", "{dm_rate_limited_429} + {dm_injected_429}"),
    (
        "100 DMs, sender unpaced: time / bound",
        "{dm_unpaced_seconds:.1f} / {dm_unpaced_bound_s:.1f} s",
    ),
    (
        "  ratio; lost / duplicated",
        "{dm_unpaced_ratio:.1f}x; {dm_unpaced_lost} / {dm_unpaced_duplicated}",
    ),
    (
        "**Category 1 alert**, raised with 1,000 routine DMs queued",
        "{alert_latency_s:.2f} s to Slack ({alert_routine_sent_before} routine sent first)",
    ),
    (
        "**import of 100,000 cases** (`auditbot import cases`)",
        "{import_s:.1f} s, peak {import_peak_mb:.0f} MB",
    ),
    ("**peak memory** `serve` after load", "{serve_peak_mb:.0f} MB"),
    ("  `tick` (a process; its wall time)", "{tick_peak_mb:.0f} MB ({tick_process_s:.1f} s)"),
    ("  `tick` before its work", "{tick_before_work_mb:.0f} MB"),
]


def _derived(result: dict[str, Any], first: dict[str, Any]) -> dict[str, Any]:
    values = dict(result)
    with contextlib.suppress(KeyError, TypeError, ZeroDivisionError):
        values["floor_ms"] = result["floor_s"] * 1000
        values["floor_write_ms"] = result["floor_write_s"] * 1000
    with contextlib.suppress(KeyError, TypeError):
        values["physical_floor_ms"] = result["physical_floor_s"] * 1000
        values["render_ms"] = result["sweep_render_s"] * 1000
        values["floor_commit_ms"] = result["floor_commit_s"] * 1000
    with contextlib.suppress(KeyError, TypeError):
        values["floor_jobs_ms"] = result["floor_jobs_s"] * 1000
        values["floor_jobs_floor_ms"] = result["floor_jobs_physical_floor_s"] * 1000
        values["other_jobs_ms"] = result["other_jobs_s"] * 1000
        values["floor_other_reads_ms"] = result["floor_other_reads_s"] * 1000
        values["complete_physical_floor_ms"] = result["complete_physical_floor_s"] * 1000
    with contextlib.suppress(KeyError, TypeError, ZeroDivisionError):
        values["growth"] = result["sweep_s"] / first["sweep_s"]
    if "same_items" in result:
        values["same_items_text"] = "yes" if result["same_items"] else "NO"
    return values


def table(kind: str, entry: dict[str, Any]) -> str:
    """The results as a Markdown table (scales as columns), then the targets."""
    scales = entry["scales"]
    names = sorted(scales, key=float)
    first = scales[names[0]] if names else {}
    values = {name: _derived(scales[name], first) for name in names}
    machine_ = entry["machine"]
    lines = [
        f"{kind}, {machine_['cpus']} CPUs ({machine_['processor']}), Python {machine_['python']}, "
        f"{entry['finished_at']}",
        "",
        "| measure | " + " | ".join(f"scale {name}" for name in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, template in ROWS:
        cells = []
        for name in names:
            try:
                cells.append(template.format_map(values[name]))
            except (KeyError, TypeError, ValueError):
                cells.append("—")
        if any(cell != "—" for cell in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "| target | measured | limit | |", "|---|---|---|---|"]
    for target in entry["targets"]:
        verdict = "met" if target["met"] else "**not met**"
        lines.append(
            f"| {target['target']} | {target['value']:.2f} | {target['limit']} | {verdict} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": _cpu_model(),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scales", default="1,2,4", help="comma-separated (default 1,2,4)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or "sqlite:////tmp/auditbot-bench.db",
        help="SQLite file (one per scale is made beside it) or a PostgreSQL server",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--repeat", type=int, default=3, help="fresh copies per tick (median)")
    parser.add_argument("--requests", type=int, default=15, help="per client thread and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of ack load")
    parser.add_argument(
        "--only",
        default="tick,selection,report,ack,dm,dm-unpaced,alert,import,memory",
        help="parts to run (comma-separated); dm-unpaced, alert and import: first scale only",
    )
    parser.add_argument("--keep", action="store_true", help="keep generated PostgreSQL databases")
    parser.add_argument("--regenerate", action="store_true", help="generate even if present")
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    options = Options(
        repeat=max(1, args.repeat),
        per_thread=max(1, args.requests),
        rounds=max(1, args.rounds),
        parts={p.strip() for p in args.only.split(",") if p.strip()},
    )
    databases = Databases(args.database_url, keep=args.keep, regenerate=args.regenerate)
    entry: dict[str, Any] = {
        "database": databases.kind,
        "machine": machine(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scales": {},
    }
    try:
        with SlackStandIn() as slack:
            for index, scale in enumerate(scales):
                options.first_scale = index == 0
                entry["scales"][f"{scale:g}"] = measure_scale(databases, scale, slack, options)
    finally:
        databases.cleanup(scales)
    entry["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    entry["targets"] = targets(databases.kind, entry["scales"])
    print(table(databases.kind, entry))
    results = {}
    if args.out.exists():
        with contextlib.suppress(ValueError):
            results = json.loads(args.out.read_text())
    results[databases.kind] = entry
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
