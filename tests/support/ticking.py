"""Services for tests that drive the scheduler (`run_due_work`) at moments they choose, against
the Slack stand-in: their clock (and so the sender's) reads `services.moment[0]`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.bootstrap import Auditbot
from bot.core.config import Settings
from bot.policy.schema import Policy


def ticking_services(engine: Any, database_url: str, slack: Any, policy: Policy, start: datetime):
    moment = [start]
    settings = Settings(
        database_url=database_url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url
    )
    built = Auditbot(
        settings, policy, engine=engine, token="xoxb-test", clock=lambda: moment[0],
        per_channel_interval=0,
    ).services  # fmt: skip
    built.moment = moment
    return built
