"""Reliability 6: the database goes away and comes back.

While it is down `/healthz` answers 503, a command, a click and a form each answer "please try
again shortly" at once (not a timeout or an error page), the scheduler and the delivery worker
keep running, and nothing is written. When it returns, the same running bot works again by
itself. PostgreSQL is cut with a TCP proxy that drops every connection (also in the middle of a
transaction); SQLite by taking its file's directory away.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from bot.selection import draw as selection
from bot.slack.outage import TRY_AGAIN_SHORTLY
from models import OutboxMessage, SelectionRound
from models.db import create_db_engine
from scheduler.runner import sweep
from tests.support import factories
from tests.support.harness import Clock
from tests.support.reliability import fill, snapshot
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
SLOT = {"date": "2026-12-15", "time": "10:00", "duration": "60"}


class PostgresOutage:
    """The bot reaches PostgreSQL through a proxy; `down()` cuts it, `up()` restores it."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
        self.bot_url = url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )
        self.observer = create_db_engine(database_url)  # the test's own view, never cut

    def down(self, bot) -> None:
        self.proxy.stop()

    def up(self) -> None:
        self.proxy.start()

    def snapshot(self):
        return snapshot(self.observer)

    def close(self) -> None:
        self.proxy.stop()
        self.observer.dispose()


class SqliteOutage:
    """The database file's directory disappears (an unmounted volume) and comes back."""

    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "data"
        self.away = tmp_path / "data-away"
        self.home.mkdir()
        self.bot_url = f"sqlite:///{self.home / 'auditbot.db'}"
        self.observer = create_db_engine(self.bot_url)

    def down(self, bot) -> None:
        self.home.rename(self.away)
        bot.engine.dispose()  # the open connections went with the volume

    def up(self) -> None:
        self.away.rename(self.home)

    def snapshot(self):
        picture = snapshot(self.observer)
        self.observer.dispose()
        return picture

    def close(self) -> None:
        self.observer.dispose()


@pytest.fixture
def outage(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        cut = SqliteOutage(tmp_path)
    else:
        cut = PostgresOutage(database_url)
    yield cut
    cut.close()


@pytest.fixture
def bot(outage, start_bot):
    return start_bot(
        Clock(FRIDAY),
        people=lambda s: factories.authority(s, cases_per_team=4),
        database_url=outage.bot_url,
    )


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def pending(bot) -> int:
    with bot.services.make_session() as session:
        return session.exec(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        ).one()


def healthy(bot) -> bool:
    return bot.get("/healthz").status == 200


def booking_form(bot) -> dict:
    manager = uid(bot, "north_tm")
    bot.click(manager, bot.dms_to(manager)[0], "booking.open")
    assert bot.slack.wait_for(lambda: bot.slack.calls("views.open"))
    call = bot.slack.calls("views.open")[-1]
    return {**call.params["view"], "id": call.response["view"]["id"]}


def test_while_the_database_is_down_people_are_asked_to_try_again_and_it_recovers_alone(
    bot, outage
):
    admin, manager = uid(bot, "admin"), uid(bot, "north_tm")
    bot.command(admin, "select 2026-12")
    form = booking_form(bot)
    assert bot.slack.wait_for(lambda: pending(bot) == 0)
    before = outage.snapshot()

    outage.down(bot)

    health = bot.get("/healthz")
    assert health.status == 503 and health.json == {
        "status": "unavailable",
        "database": "unreachable",
    }
    for text in ("select 2027-01", "status"):
        answer = bot.command(admin, text)
        assert answer.status == 200 and TRY_AGAIN_SHORTLY in answer.text, text
    submitted = bot.submit(manager, form, fill(form, SLOT))
    assert submitted.status == 200
    assert submitted.json == {"response_action": "errors", "errors": {"date": TRY_AGAIN_SHORTLY}}
    replies = len(bot.slack.calls("response_url"))
    assert bot.click(manager, bot.dms_to(manager)[0], "booking.open").status == 200  # the ack
    assert bot.slack.wait_for(lambda: len(bot.slack.calls("response_url")) > replies)
    assert bot.slack.calls("response_url")[-1].params["text"] == TRY_AGAIN_SHORTLY
    sweep(bot.services)  # the scheduler's wake-up fails quietly; the next one will catch up
    bot.services.deliver_soon()  # and so does the delivery worker

    outage.up()

    assert outage.snapshot() == before  # nothing was written, half or whole
    assert bot.slack.wait_for(lambda: healthy(bot), timeout=15)
    assert not bot.submit(manager, form, fill(form, SLOT)).body  # booked, now
    worker = uid(bot, "north_worker")
    assert "has booked an audit discussion" in json.dumps(bot.dms_to(worker)[0]["blocks"])
    assert "January 2027 selection done" in bot.command(admin, "select 2027-01").text


def test_a_connection_cut_in_the_middle_of_a_draw_leaves_nothing_behind(
    bot, outage, database_url, monkeypatch
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no connection to cut mid-transaction: see the test above")
    queue_dm = selection.queue_selection_message
    queued: list[int] = []

    def cut_after_the_first_dm(*args, **kwargs):
        queued.append(1)
        if len(queued) == 2:  # one manager's selection and DM written, the second not yet
            outage.down(bot)
        return queue_dm(*args, **kwargs)

    monkeypatch.setattr(selection, "queue_selection_message", cut_after_the_first_dm)
    before = outage.snapshot()

    answer = bot.command(uid(bot, "admin"), "select 2026-12")

    assert TRY_AGAIN_SHORTLY in answer.text
    assert len(queued) == 2
    outage.up()
    assert outage.snapshot() == before  # no round, no selection, no DM queued, no log entry
    monkeypatch.setattr(selection, "queue_selection_message", queue_dm)
    assert bot.slack.wait_for(lambda: healthy(bot), timeout=15)
    assert "December 2026 selection done" in bot.command(uid(bot, "admin"), "select 2026-12").text
    assert len(bot.dms_to(uid(bot, "north_tm"))) == 1
    with bot.services.make_session() as session:
        assert session.exec(select(func.count()).select_from(SelectionRound)).one() == 1


def test_a_deleted_sqlite_file_is_unhealthy_and_nothing_is_confirmed(bot, outage, database_url):
    """The SQLite file deleted while `serve` runs: the open connections would go on writing
    to the deleted file, so /healthz says 503 and a change is not confirmed as done."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL database has no file to delete")
    admin = uid(bot, "admin")
    assert healthy(bot)
    Path(make_url(outage.bot_url).database).unlink()

    assert bot.get("/healthz").status == 503
    answer = bot.command(admin, "pause 2027-04 Ofsted inspection")
    assert TRY_AGAIN_SHORTLY in answer.text
    assert "is paused" not in answer.text
