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
    rounds,  # issue 12
    supervision,
    views,
)
from handlers.home import register as register_home


def register_all(app: App, services: Services) -> None:
    modules = (commands, actions, views, booking, audit, reaudit, supervision, chasing, rounds)
    for module in (*modules, extensions, errors):
        module.register(app, services)
    register_home(app, services)  # the App Home tab (issue 11)
