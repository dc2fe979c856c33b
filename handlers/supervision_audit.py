"""Listeners for the yearly supervision file audit: the DM's button opens the form, and its
submission."""

from slack_bolt import App

from bot.core.services import Services
from bot.supervision_audit import form
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("supervision_audit.open")(
        button_listener(services, form.open_supervision_audit_form)
    )
    register_form(app, services, "supervision_audit.submit", form.submit_supervision_audit)
