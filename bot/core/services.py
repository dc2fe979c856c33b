"""What the entrypoints (handlers, scheduler, CLI) share: built once by the composition root
(bot/bootstrap.py) and passed down."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.core.calendar import WorkingCalendar
from bot.core.config import Settings
from bot.core.tick import Tick, random_seed
from bot.policy.schema import Policy
from models.db import SessionFactory


class Sender(Protocol):
    """Delivers the outbox (bot/slack/sender.py)."""

    def deliver_due(self, stopping: Callable[[], bool] = ...) -> Any: ...


class AnswerQueue(Protocol):
    """Runs what a listener does after its ack (bot/slack/answers.py)."""

    def submit(
        self,
        compute: Callable[[], Any],
        show: Callable[[Any], None],
        failed: Callable[[Exception], None],
    ) -> None: ...

    def shutdown(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    policy: Policy
    calendar: WorkingCalendar
    make_session: SessionFactory
    client: WebClient
    sender: Sender
    clock: Callable[[], datetime]
    answers: AnswerQueue  # what listeners do after their ack
    new_seed: Callable[[], str] = random_seed  # the seed of each new draw
    # Set when something was queued, so the delivery worker sends it without waiting.
    outbox_signal: threading.Event = field(default_factory=threading.Event)

    def now(self) -> datetime:
        return self.clock()

    def deliver_soon(self) -> None:
        self.outbox_signal.set()

    def tick(self, now: datetime) -> Tick:
        """The scheduled work's view of the rules, at `now`."""
        return Tick(
            now=now,
            policy=self.policy,
            calendar=self.calendar,
            timezone=self.settings.timezone,
            new_seed=self.new_seed,
        )
