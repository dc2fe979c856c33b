"""Slack listeners only: parse the payload, call one use case, ack or respond."""

from slack_bolt import App

from bot.services import Services
from handlers import (
    actions,
    audit,
    booking,
    chasing,
    commands,
    errors,
    extensions,  # extensions of audit due dates (issue 13)
    reaudit,
    supervision,
    views,
)


def register_all(app: App, services: Services) -> None:
    for module in (commands, actions, views, booking, audit, reaudit, supervision, chasing, errors):
        module.register(app, services)
    extensions.register(app, services)
