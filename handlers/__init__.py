"""Slack listeners only: parse the payload, call one use case, ack or respond."""

from slack_bolt import App

from bot.services import Services
from handlers import actions, commands, views


def register_all(app: App, services: Services) -> None:
    for module in (commands, actions, views):
        module.register(app, services)
