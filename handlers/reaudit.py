"""Listeners for the re-audit: the moderator's Start button and the stepped form."""

from slack_bolt import App

from bot.core.services import Services
from bot.reaudit.form import REAUDIT_FORM, open_reaudit
from handlers.clicks import button_listener
from handlers.forms import register_stepped_form


def register(app: App, services: Services) -> None:
    app.action("reaudit.start")(button_listener(services, open_reaudit))
    register_stepped_form(app, services, REAUDIT_FORM)
