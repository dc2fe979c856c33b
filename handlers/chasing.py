"""Buttons on the daily chasing DM: act on an overdue item, open or nudge about one escalated
to you, or "Remind me tomorrow"."""

import re

from slack_bolt import App

from bot.chasing import escalated, nudges
from bot.core.services import Services
from handlers.clicks import button_listener


def register(app: App, services: Services) -> None:
    # Each item's button has its own action id (chase.act.1, …): Slack needs them unique.
    app.action(re.compile(r"^chase\.act\.\d+$"))(
        button_listener(services, nudges.act_on_overdue_item)
    )
    # An escalated item's buttons carry its key in the action id (chase.open.audit_overdue:7).
    app.action(re.compile(r"^chase\.open\."))(
        button_listener(services, escalated.open_escalated_item)
    )
    app.action(re.compile(r"^chase\.nudge\."))(
        button_listener(services, escalated.nudge_the_manager)
    )
    app.action("chase.snooze")(button_listener(services, nudges.snooze_chasing))
