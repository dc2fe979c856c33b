"""The composition root: builds the services, the Bolt app, the HTTP app and the workers."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.core.calendar import WorkingCalendar
from bot.core.config import Settings
from bot.core.errors import ConfigError
from bot.core.services import Services
from bot.core.tick import random_seed
from bot.home.tab import render_home_for
from bot.policy.schema import Policy
from bot.slack.answers import AnswerWorkers
from bot.slack.client import build_web_client
from bot.slack.sender import OutboxSender
from bot.slack.verification import malformed, signature_is_valid
from models.db import (
    create_db_engine,
    ensure_database_file,
    session_factory,
    upgrade_database,
)

if TYPE_CHECKING:
    from slack_bolt import App

log = logging.getLogger(__name__)

# Requests `serve` handles at once (waitress threads); as many answers may wait on Slack.
REQUEST_THREADS = 8


def system_clock() -> datetime:
    return datetime.now(UTC)


def open_database(settings: Settings) -> Engine:
    """Connect and migrate: every command brings the database to the current schema first."""
    engine = create_db_engine(settings.database_url)
    upgrade_database(engine)
    return engine


def working_calendar(settings: Settings, policy: Policy) -> WorkingCalendar:
    hours = policy.calendar.working_hours
    return WorkingCalendar(
        policy.calendar.holidays_subdivision, settings.timezone, (hours.start, hours.end)
    )


def create_bolt_app(services: Services, *, signing_secret: str | None) -> App:
    """The Bolt app; it checks the bot token with Slack (auth.test) before anything else.
    Imported here: `tick` and the other commands run without Bolt and the listeners."""
    from slack_bolt import App
    from slack_bolt.error import BoltError

    import handlers

    try:
        app = App(
            client=services.client,
            signing_secret=signing_secret,
            # Socket Mode has no HTTP signature to check; HTTP mode always checks it.
            request_verification_enabled=signing_secret is not None,
        )
    except (BoltError, OSError) as error:
        where = services.settings.slack_api_url
        raise ConfigError(
            f"could not check SLACK_BOT_TOKEN with Slack at {where}: {error}"
        ) from error
    handlers.register_all(app, services)
    return app


def database_is_reachable(engine: Engine) -> bool:
    """The database answers, and (SQLite) its file is still the one the program opened."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            ensure_database_file(connection)
        return True
    except Exception:  # any failure to reach it is "not reachable"
        log.warning("health check: database not reachable", exc_info=True)
        return False


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_wsgi_app(
    bolt_app: App | None, engine: Engine, signing_secret: str | None = None
) -> WsgiApp:
    """`POST /slack/events` goes to Bolt once its signature and shape are checked (see
    bot/slack/verification.py); `GET /healthz` answers 200 or 503 with JSON.

    Without a Bolt app (Socket Mode) only the health check is served: events must never be
    accepted over HTTP when no signature is being checked.
    """
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    slack = SlackRequestHandler(bolt_app, path="/slack/events") if bolt_app else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method == "GET":
            healthy = database_is_reachable(engine)
            body = json.dumps(
                {
                    "status": "ok" if healthy else "unavailable",
                    "database": "ok" if healthy else "unreachable",
                }
            ).encode()
            return _answer(start_response, "200 OK" if healthy else "503 Service Unavailable", body)
        if slack is None:
            return _answer(start_response, "404 Not Found", b"Not Found")
        if path == "/slack/events" and method == "POST" and signing_secret is not None:
            body = _read_body(environ)
            refusal = _refusal(signing_secret, environ, body)
            if refusal is not None:
                return _answer(start_response, refusal, refusal.encode())
            environ["wsgi.input"] = io.BytesIO(body)
        return slack(environ, start_response)

    return application


def _read_body(environ: dict[str, Any]) -> bytes:
    length = environ.get("CONTENT_LENGTH") or "0"
    return environ["wsgi.input"].read(int(length)) if length.isdigit() else b""


def _refusal(secret: str, environ: dict[str, Any], body: bytes) -> str | None:
    """401 for a request Slack did not sign, 400 for a signed one that cannot be Slack's."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if not signature_is_valid(secret, body, timestamp, signature, time.time()):
        return "401 Unauthorized"
    problem = malformed(body, environ.get("CONTENT_TYPE") or "")
    if problem is not None:
        log.info("refused a signed request from Slack: %s", problem)
        return "400 Bad Request"
    return None


def _answer(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    content_type = "application/json" if body.startswith(b"{") else "text/plain"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class DeliveryWorker:
    """Sends the outbox in the background: at once when woken, and at least every `interval`."""

    def __init__(self, services: Services, interval: float = 15.0) -> None:
        self.services = services
        self.interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.services.outbox_signal.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        signal = self.services.outbox_signal
        while not self._stopping.is_set():
            signal.wait(self.interval)
            signal.clear()
            if self._stopping.is_set():
                return
            try:
                # Stopping ends the run after the row in hand: the rest stay queued.
                self.services.sender.deliver_due(stopping=self._stopping.is_set)
            except Exception:  # the worker must survive; the rows stay queued
                log.exception("outbox delivery failed; will retry")


class Auditbot:
    """Auditbot wired once from the settings and the policy: the database (migrated), the
    services every entry point shares, and on demand the Bolt app, the HTTP app and the
    background delivery. `serve`, `tick`, the demo, the benchmarks and the tests all start the
    program here, so they run the same thing."""

    def __init__(
        self,
        settings: Settings,
        policy: Policy,
        *,
        token: str,
        clock: Callable[[], datetime] = system_clock,
        sleep: Callable[[float], None] = time.sleep,
        per_channel_interval: float = 1.0,
        new_seed: Callable[[], str] = random_seed,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine or open_database(settings)
        make_session = session_factory(self.engine)
        client = build_web_client(token, settings.slack_api_url)
        calendar = working_calendar(settings, policy)
        sender = OutboxSender(
            make_session,
            client,
            clock,
            instance_id=uuid.uuid4().hex[:12],
            sleep=sleep,
            per_channel_interval=per_channel_interval,
            lease_clock=system_clock,  # leases on the wall clock, whatever `clock` says
            render_home=partial(render_home_for, policy=policy, calendar=calendar),
        )
        self.services = Services(
            settings=settings,
            policy=policy,
            calendar=calendar,
            make_session=make_session,
            client=client,
            sender=sender,
            clock=clock,
            answers=AnswerWorkers(show_threads=REQUEST_THREADS),
            new_seed=new_seed,
        )
        self._delivery: DeliveryWorker | None = None

    def bolt_app(self, signing_secret: str | None) -> App:
        return create_bolt_app(self.services, signing_secret=signing_secret)

    def http_app(self, bolt_app: App | None, signing_secret: str | None = None) -> WsgiApp:
        """The HTTP app: Slack's requests (checked with `signing_secret`) and the health check."""
        return create_wsgi_app(bolt_app, self.engine, signing_secret)

    def deliver_in_background(self, interval: float = 15.0) -> None:
        """Send the outbox as soon as something is queued, and at least every `interval`."""
        self._delivery = DeliveryWorker(self.services, interval)
        self._delivery.start()

    def close(self) -> None:
        """Finish the answers already acknowledged, stop delivering, let the database go."""
        self.services.answers.shutdown()
        if self._delivery is not None:
            self._delivery.stop()
        self.engine.dispose()
