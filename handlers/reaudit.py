"""Listeners for the re-audit: the moderator's Start button and the stepped form."""

from functools import partial

from slack_bolt import App

from bot.core.services import Services
from bot.reaudit import form as reaudit
from handlers.clicks import button_listener
from handlers.forms import register_stepped_form


def register(app: App, services: Services) -> None:
    app.action("reaudit.start")(button_listener(services, reaudit.open_reaudit))
    register_stepped_form(
        app,
        "reaudit.step",
        partial(reaudit.submit_step, services),
        partial(reaudit.save_closed_step, services),
    )
