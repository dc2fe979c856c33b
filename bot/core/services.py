"""What the entrypoints (handlers, scheduler, CLI) share: built once by the composition root."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.core.calendar import WorkingCalendar
from bot.core.config import Settings
from bot.policy.schema import Policy
from bot.slack.answers import AnswerWorkers
from bot.slack.sender import OutboxSender
from models.db import SessionFactory


@dataclass
class Services:
    settings: Settings
    policy: Policy
    calendar: WorkingCalendar
    make_session: SessionFactory
    client: WebClient
    sender: OutboxSender
    clock: Callable[[], datetime]
    answers: AnswerWorkers  # what listeners do after their ack
    # Set when something was queued, so the delivery worker sends it without waiting.
    outbox_signal: threading.Event = field(default_factory=threading.Event)

    def now(self) -> datetime:
        return self.clock()

    def deliver_soon(self) -> None:
        self.outbox_signal.set()
