"""Listeners for extensions: the team manager's request, the service manager's decision."""

import re
from functools import partial

from slack_bolt import App

from bot.core.services import Services
from bot.extensions import requests as extensions
from handlers.clicks import button_listener
from handlers.forms import register_form, with_text

BUTTONS = {
    # On the selection DM; on the chasing DM one per audit (extension.open.1, …): Slack needs
    # the action ids of a message unique.
    re.compile(r"^extension\.open(\.\d+)?$"): extensions.open_extension_form,
    "extension.approve": extensions.approve_extension,
    "extension.refuse": extensions.open_refusal_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    register_form(app, "extension.submit", partial(extensions.submit_extension_form, services))
    register_form(app, "extension.refuse", with_text(services, extensions.submit_refusal))
