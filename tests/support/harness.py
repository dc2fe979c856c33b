"""A running Auditbot for integration tests: the real Bolt app behind waitress, on a database
from the fixtures, talking to the Slack stand-in (errbot-style `testbot`)."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import waitress
from sqlmodel import Session, func, select
from waitress import wasyncore

from bot.bootstrap import Auditbot
from bot.core.config import Settings
from bot.demo.slack_requests import (
    app_home_opened_body,
    button_click_body,
    home_click_body,
    sign,
    slash_command_body,
    view_closed_body,
    view_submission_body,
)
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from models import OutboxMessage
from models.db import transaction

SECRET = "test-signing-secret"
CLICKS = "click"  # the response_url token every click carries


class Clock:
    """A clock the test moves by hand; the bot reads it wherever it needs `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Answer:
    status: int
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        """All readable text of a message answer, for assertions."""
        data = self.json or {}
        parts = [data.get("text", "")]
        for block in data.get("blocks", []):
            parts.append(json.dumps(block, ensure_ascii=False))
        return "\n".join(parts)


@dataclass
class RunningBot:
    url: str
    slack: SlackStandIn
    services: Any
    engine: Any
    people: dict[str, Any] = field(default_factory=dict)  # by key, as the test wrote them
    now: list[datetime] = field(default_factory=list)
    _commands: Iterator[int] = field(default_factory=itertools.count)

    def post(self, body: str, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(
            f"{self.url}/slack/events",
            data=body.encode(),
            headers=headers if headers is not None else sign(SECRET, body),
            method="POST",
        )
        return _send(request)

    def get(self, path: str) -> Answer:
        return _send(urllib.request.Request(f"{self.url}{path}"))

    def command(self, user_id: str, text: str, command: str = "/audit") -> Answer:
        """Type a slash command; the answer is what the person sees: the reply on the
        command's own response_url, or else the ack itself (a usage notice in its body, or an
        empty one when a form opens)."""
        response_url = self.slack.response_url(f"cmd-{next(self._commands)}")
        forms_before = len(self.slack.calls("views.open"))
        ack = self.post(
            slash_command_body(command, text, user_id=user_id, response_url=response_url)
        )
        if ack.status != 200 or ack.body:
            return ack

        def answered() -> bool:
            return bool(self.slack.responses_to(response_url)) or (
                len(self.slack.calls("views.open")) > forms_before
            )

        assert self.slack.wait_for(answered), f"no answer to {command} {text}"
        replies = self.slack.responses_to(response_url)
        return Answer(ack.status, json.dumps(replies[0])) if replies else ack

    def click(self, user_id: str, message: dict[str, Any], action_id: str) -> Answer:
        response_url = self.slack.response_url(CLICKS)
        return self.post(
            button_click_body(
                user_id=user_id, message=message, action_id=action_id, response_url=response_url
            )
        )

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Answer:
        return self.post(view_submission_body(user_id=user_id, view=view, values=values))

    def post_view_closed(
        self, user_id: str, view: dict[str, Any], values: dict[str, Any]
    ) -> Answer:
        return self.post(view_closed_body(user_id=user_id, view=view, values=values))

    # -- the App Home tab ----------------------------------------------------------------------

    def open_home(self, user_id: str, event_id: str = "Ev0HOME01") -> dict[str, Any]:
        """Open the Home tab (as Slack sends it); wait for it to be published and return it."""
        before = len(self.slack.homes_published(user_id))
        self.post(app_home_opened_body(user_id=user_id, event_id=event_id))
        return self.home_of(user_id, count=before + 1)

    def home_of(self, user_id: str, count: int = 1) -> dict[str, Any]:
        """The latest Home tab published to the person, once `count` have been."""
        assert self.slack.wait_for(lambda: len(self.slack.homes_published(user_id)) >= count), (
            f"expected {count} Home tab(s) for {user_id}"
        )
        return self.slack.homes_published(user_id)[-1]

    def click_home(self, user_id: str, view: dict[str, Any], action_id: str) -> Answer:
        return self.post(home_click_body(user_id=user_id, view=view, action_id=action_id))

    def dms_to(self, user_id: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait until `count` DMs reached the person; return them with their channel and ts."""
        assert self.slack.wait_for(lambda: len(self._delivered(user_id)) >= count), (
            f"expected {count} DM(s) to {user_id}, got {len(self._delivered(user_id))}"
        )
        return self._delivered(user_id)

    def dms_containing(self, user_id: str, text: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait until `count` DMs to the person mention `text` (anywhere in them); return those."""

        def matching() -> list[dict[str, Any]]:
            return [m for m in self._delivered(user_id) if text in json.dumps(m)]

        assert self.slack.wait_for(lambda: len(matching()) >= count), (
            f"expected {count} DM(s) to {user_id} mentioning {text!r}, got {len(matching())}"
        )
        return matching()

    def wait_until_sent(self) -> None:
        """Wait until no outbox row is pending: all that was queued so far has reached Slack."""

        def pending() -> int:
            with self.services.make_session() as session:
                return session.exec(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == "pending")
                ).one()

        assert self.slack.wait_for(lambda: pending() == 0), f"{pending()} message(s) still pending"

    def _delivered(self, user_id: str) -> list[dict[str, Any]]:
        found = []
        dm_channels = (user_id, "D" + user_id[1:])
        for call in self.slack.calls():
            if (
                call.method == "chat.postMessage"
                and call.fault is None
                and call.params.get("channel") in dm_channels
            ):
                found.append({**call.params, "channel": dm_channels[1], "ts": call.response["ts"]})
        return found


def _send(request: urllib.request.Request) -> Answer:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


def stop_server(server, thread: threading.Thread) -> None:
    """Close every socket from inside waitress's own loop, so the loop ends at once instead of
    failing on a descriptor closed under its select(). When the loop's trigger is closed
    already (its loop has ended), what is left is closed from here."""
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:
        wasyncore.close_all(server._map, ignore_all=True)
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


class BotStarter:
    """Starts bots for one test: each the real program (bot.bootstrap.Auditbot), its Bolt app
    behind waitress on the test's database, talking to a Slack stand-in; stops all it started
    when the test ends (the `start_bot` fixture in tests/conftest.py)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._stops: list[Callable[[], None]] = []

    def __call__(
        self,
        clock: Callable[[], datetime],
        *,
        policy: Policy | None = None,
        people: Callable[[Session], dict[str, Any]] | None = None,
        slack: SlackStandIn | None = None,
        database_url: str | None = None,
    ) -> RunningBot:
        """A running bot reading `clock`; `people(session)` writes its staff and cases first
        (kept as `bot.people`). Without `slack`, it gets a stand-in of its own."""
        if slack is None:
            slack = SlackStandIn().start()
            self._stops.append(slack.stop)
        settings = Settings(
            database_url=database_url or self.database_url,
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
        )
        auditbot = Auditbot(
            settings, policy or Policy(), token="xoxb-test", clock=clock, per_channel_interval=0
        )
        server = waitress.create_server(
            auditbot.http_app(auditbot.bolt_app(SECRET), SECRET),
            host="127.0.0.1",
            port=0,
            threads=4,
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        auditbot.deliver_in_background(interval=0.2)

        def stop() -> None:
            stop_server(server, thread)
            auditbot.close()

        self._stops.append(stop)
        bot = RunningBot(
            f"http://127.0.0.1:{server.effective_port}", slack, auditbot.services, auditbot.engine
        )
        if people is not None:
            with transaction(bot.services.make_session) as session:
                bot.people = people(session)
        return bot

    def stop_all(self) -> None:
        while self._stops:
            self._stops.pop()()


def views_opened(bot, callback_id):
    """Forms opened so far, each with the id Slack gave it."""
    return [
        {**c.params["view"], "id": c.response["view"]["id"]}
        for c in bot.slack.calls("views.open")
        if c.params["view"]["callback_id"] == callback_id
    ]


def click_for_view(bot, user, message, action_id, callback_id):
    """Click a button that opens a form; wait for that form and return it as submitted."""
    before = len(views_opened(bot, callback_id))
    bot.click(user, message, action_id)
    assert bot.slack.wait_for(lambda: len(views_opened(bot, callback_id)) > before)
    return views_opened(bot, callback_id)[-1]


def updates_of(bot, ts):
    return [c.params for c in bot.slack.calls("chat.update") if c.params.get("ts") == ts]


def ephemeral_replies(bot):
    """The private answers to clicks so far (a command is answered on its own response_url)."""
    return [reply["text"] for reply in bot.slack.responses_to(bot.slack.response_url(CLICKS))]
