"""Reliability 4: two instances on one database through a busy simulated month send nothing
twice — no selection DM, reminder, follow-up question, digest or month-end list.

In process: two complete bots (each its own engine, Bolt app, HTTP server, sender and delivery
worker) share the database and the Slack stand-in; at every moment of December both run the
scheduled sweep at once from two threads, while people book through both at the same time.
As processes (PostgreSQL): two `auditbot serve` processes with their schedulers, a command sent
to both at once, and `auditbot tick --now …` run in pairs at the month's busy moments.

Deliveries are counted per outbox idempotency key at the stand-in (tests/support/reliability.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.core.calendar import LONDON, WorkingCalendar
from bot.demo.slack_requests import sign, slash_command_body, view_submission_body
from bot.demo.slack_standin import SlackStandIn
from models import Booking, Case, OutboxMessage, Selection, Team
from models.db import session_factory, transaction
from scheduler.jobs import run_due_work
from tests.database.test_serve import free_port
from tests.support.harness import SECRET, Clock
from tests.support.reliability import deliveries, fill, large_authority, outbox_statuses, report

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]
CALENDAR = WorkingCalendar("ENG")
MANAGERS = 6
BOOKED_FOR = "2026-12-10"  # a Thursday, 10:00


def busy_authority(session, managers: int) -> dict:
    """Teams with a manager, a practitioner, an eligible case and a TAC case never summarised
    (so every manager gets the Monday digest), and an administrator for the month-end list."""
    people = large_authority(session, managers)
    for number, manager in enumerate(people["managers"]):
        team = session.get(Team, manager.team_id)
        worker_id = session.exec(select(Case.worker_id).where(Case.team_id == team.id)).first()
        session.add(
            Case(
                case_ref=f"CR-TAC{number:04d}",
                team_id=team.id,
                worker_id=worker_id,
                case_type="TAC",
                opened_on=date(2026, 1, 5),
                status="open",
            )
        )
    session.flush()
    return people


def december_moments() -> list[datetime]:
    """Every working day's busy times, plus a weekend and the new year's first day."""
    moments = []
    day = date(2026, 11, 30)
    while day <= date(2027, 1, 4):
        if CALENDAR.is_working_day(day) or day == date(2026, 12, 12):
            for at in (time(8, 0), time(9, 0), time(11, 30), time(16, 0)):
                moments.append(datetime.combine(day, at, tzinfo=LONDON))
        day += timedelta(days=1)
    return moments


def key_families(per_key: Counter) -> Counter:
    """Deliveries by kind of message: 'selection', 'booking reminder', 'tac-digest', …"""
    families: Counter = Counter()
    for key, count in per_key.items():
        if ":reminder:" in key:
            family = "booking reminder"
        elif key.endswith(":followup"):
            family = "did it happen?"
        else:
            family = key.split(":", 1)[0]
        families[family] += count
    return families


# -- two instances in one process --------------------------------------------------------------


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 30, 8, 0, tzinfo=LONDON))


@pytest.fixture
def two_bots(start_bot, clock):
    first = start_bot(clock, people=lambda s: busy_authority(s, MANAGERS))
    second = start_bot(clock, slack=first.slack)
    second.people = first.people
    return first, second


def sweep_from_both(bots, clock, moment: datetime) -> None:
    """Both instances run the scheduled work for `moment` at the same time."""
    clock.now = moment
    start = threading.Barrier(len(bots))

    def sweep(bot):
        start.wait()
        return run_due_work(bot.services, moment)

    with ThreadPoolExecutor(len(bots)) as pool:
        for report_ in pool.map(sweep, bots):
            assert report_.delivery.failed == 0, moment


def post_to_both(bots, body: str) -> list:
    start = threading.Barrier(len(bots))

    def post(bot):
        start.wait()
        return bot.post(body, sign(SECRET, body))

    with ThreadPoolExecutor(len(bots)) as pool:
        return list(pool.map(post, bots))


def book_through_both(bots, manager) -> None:
    """The manager opens the form on one instance; the submit reaches both at once."""
    first = bots[0]
    dm = next(m for m in first.dms_to(manager.slack_user_id, 2) if "booking.open" in str(m))
    before = len(first.slack.calls("views.open"))
    first.click(manager.slack_user_id, dm, "booking.open")
    assert first.slack.wait_for(lambda: len(first.slack.calls("views.open")) > before)
    call = first.slack.calls("views.open")[-1]
    view = {**call.params["view"], "id": call.response["view"]["id"]}
    answers = {"date": BOOKED_FOR, "time": "10:00", "duration": "60"}
    body = view_submission_body(
        user_id=manager.slack_user_id, view=view, values=fill(view, answers)
    )
    assert all(a.status == 200 and not a.body for a in post_to_both(bots, body))


def drain(bots) -> None:
    for bot in bots:
        bot.services.sender.deliver_due()
    assert bots[0].slack.wait_for(
        lambda: "pending" not in outbox_statuses(bots[0].services.make_session)
    )


def test_two_instances_through_a_busy_month_send_nothing_twice(two_bots, clock):
    bots = list(two_bots)
    managers = bots[0].people["managers"]
    moments = december_moments()
    selection_day = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    before_booking = [m for m in moments if m < selection_day]
    after_booking = [m for m in moments if m >= selection_day]

    for moment in before_booking:  # Monday's digest, November's list, the 1 December draw
        sweep_from_both(bots, clock, moment)
    clock.now = selection_day
    for manager in managers:
        book_through_both(bots, manager)
    for moment in after_booking:
        sweep_from_both(bots, clock, moment)
    drain(bots)

    slack, make_session = bots[0].slack, bots[0].services.make_session
    delivered = deliveries(slack, make_session)
    families = key_families(delivered.per_key)
    with make_session() as session:
        bookings = session.exec(select(func.count()).select_from(Booking)).one()
        selections = session.exec(
            select(func.count()).select_from(Selection).where(Selection.status == "selected")
        ).one()
    uploads = [c for c in slack.calls("files.completeUploadExternal") if c.fault is None]
    report(
        "two in-process instances through December",
        moments=len(moments) * 2,
        sent=delivered.sent,
        duplicates=delivered.duplicates,
        retries=sum(1 for c in slack.calls() if c.fault),
        kinds=dict(sorted(families.items())),
    )
    assert delivered.twice_or_more() == {} and delivered.unmatched == 0
    assert outbox_statuses(make_session).get("failed", 0) == 0
    assert (selections, bookings) == (MANAGERS, MANAGERS)
    assert families["selection"] == MANAGERS
    assert families["booking reminder"] == 4 * MANAGERS  # two days and an hour before, to both
    assert families["did it happen?"] == MANAGERS
    # Mondays 30 Nov, 7, 14, 21 Dec, Tuesday 29 Dec (28 December is a bank holiday), 4 Jan.
    assert families["tac-digest"] == 6 * MANAGERS
    assert families["tac-month-end"] == 2  # November's and December's, to the administrator
    uploaded = [f["title"] for call in uploads for f in call.params["files"]]
    assert not [t for t in uploaded if t.startswith("TAC summaries")]  # none completed: no CSV
    invitations = [t for t in uploaded if t.endswith(".ics")]
    assert len(invitations) == 2 * MANAGERS  # each booking's calendar invitation, to both, once
    # December's QA briefing on Monday 4 January: the summary and the tables, to both readers.
    assert families["qa-briefing"] == 2 and len(uploads) - len(invitations) == 2 * 2


# -- two `auditbot serve` processes and `auditbot tick` pairs (PostgreSQL) ------------------------


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    """`auditbot serve` answering Slack and delivering the outbox. Its own scheduler would work
    on today's real date (a Monday after 9:00 has a TAC digest due), outside the December the
    ticks play, so the ticks alone do the scheduled work here."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--no-scheduler"],
        env={**env, "PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def ticks_at(env: dict[str, str], moment: datetime, copies: int = 2) -> None:
    """`auditbot tick --now MOMENT`, `copies` processes at once."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "tick", "--now", moment.isoformat()],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(copies)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()


def post_command(port: int, body: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=sign("s3", body)
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status


def test_two_serve_processes_and_concurrent_ticks_send_nothing_twice(engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several `auditbot serve` processes share a PostgreSQL database")
    with SlackStandIn() as slack:
        with transaction(session_factory(engine)) as session:
            people = busy_authority(session, MANAGERS * 2)
        slack.delay("chat.postMessage", 0.3)  # slow: the ticks start while serve still sends
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s3",
            "SLACK_API_URL": slack.api_url,
        }
        env.pop("SLACK_APP_TOKEN", None)
        ports = [free_port(), free_port()]
        servers = [serve(env, port) for port in ports]
        try:
            for port, server in zip(ports, servers, strict=True):
                assert slack.wait_for(lambda p=port: healthy(p), timeout=30), server.poll()
            # The administrator's `/audit select` reaches both instances at once (e.g. a retry
            # through a load balancer); both delivery workers start on the DMs, and ticks at
            # December's moments run meanwhile.
            response_url = slack.response_url("select")
            body = slash_command_body(
                "/audit",
                "select 2026-12",
                user_id=people["admin"].slack_user_id,
                response_url=response_url,
            )
            with ThreadPoolExecutor(2) as pool:
                assert list(pool.map(lambda p: post_command(p, body), ports)) == [200, 200]
            # Both answered (after the ack): the draw is done before the ticks start.
            assert slack.wait_for(lambda: len(slack.responses_to(response_url)) == 2)
            moments = [
                datetime(2026, 12, 1, 8, 0, tzinfo=LONDON),  # the scheduled draw: already done
                datetime(2026, 12, 8, 9, 0, tzinfo=LONDON),  # reminders two days before
                datetime(2026, 12, 10, 9, 0, tzinfo=LONDON),  # an hour before
                datetime(2026, 12, 10, 11, 30, tzinfo=LONDON),  # did it happen?
                datetime(2026, 12, 31, 16, 0, tzinfo=LONDON),  # month-end list
            ]
            ticks_at(env, moments[0])
            slack.delay("chat.postMessage", None)  # the overlap is over: full speed again
            book_directly(engine, at=datetime(2026, 12, 10, 10, 0, tzinfo=LONDON))
            for moment in moments[1:]:
                ticks_at(env, moment)
            assert slack.wait_for(lambda: count_pending(engine) == 0, timeout=60), (
                "the serve processes did not deliver what they queued"
            )
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=30)
        make_session = session_factory(engine)
        delivered = deliveries(slack, make_session)
        families = key_families(delivered.per_key)
        report(
            "two serve processes + paired ticks",
            ticks=len(moments) * 2,
            sent=delivered.sent,
            duplicates=delivered.duplicates,
            retries=sum(1 for c in slack.calls() if c.fault),
            kinds=dict(sorted(families.items())),
        )
        assert delivered.twice_or_more() == {} and delivered.unmatched == 0
        assert outbox_statuses(make_session).get("failed", 0) == 0
        managers = len(people["managers"])
        assert families["selection"] == managers
        assert families["booking reminder"] == 4 * managers
        assert families["did it happen?"] == managers
        # The week of 30 November (caught up on 1 December), of 7 December (on the 8th), and
        # of 28 December (a bank holiday Monday: caught up on the 31st).
        assert families["tac-digest"] == 3 * managers
        assert families["tac-month-end"] == 2  # November's (caught up on 1 December), December's


def book_directly(engine, at: datetime) -> None:
    """Every selection booked (as if through the form) for `at`."""
    with transaction(session_factory(engine)) as session:
        for selection in session.exec(select(Selection)).all():
            session.add(
                Booking(
                    selection_id=selection.id,
                    starts_at=at,
                    duration_minutes=60,
                    booked_by=selection.manager_id,
                    created_at=datetime(2026, 12, 1, 10, 0, tzinfo=LONDON),
                )
            )


def count_pending(engine) -> int:
    with session_factory(engine)() as session:
        return session.exec(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        ).one()
