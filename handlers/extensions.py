"""Listeners for extensions: the team manager's request, the service manager's decision."""

import re

from slack_bolt import App

from bot.core.services import Services
from bot.extensions import requests
from handlers.clicks import button_listener
from handlers.forms import register_form

BUTTONS = {
    # On the selection DM; on the chasing DM one per audit (extension.open.1, …): Slack needs
    # the action ids of a message unique.
    re.compile(r"^extension\.open(\.\d+)?$"): requests.open_extension_form,
    "extension.approve": requests.approve_extension,
    "extension.refuse": requests.open_refusal_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    register_form(app, services, "extension.submit", requests.submit_extension_form)
    register_form(app, services, "extension.refuse", requests.submit_refusal)
