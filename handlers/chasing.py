"""Buttons on the daily chasing DM: act on an overdue item, or "Remind me tomorrow"."""

import re

from slack_bolt import App

from bot.chasing import nudges
from bot.core.services import Services
from handlers.clicks import button_listener


def register(app: App, services: Services) -> None:
    # Each item's button has its own action id (chase.act.1, …): Slack needs them unique.
    app.action(re.compile(r"^chase\.act\.\d+$"))(
        button_listener(services, nudges.act_on_overdue_item)
    )
    app.action("chase.snooze")(button_listener(services, nudges.snooze_chasing))
