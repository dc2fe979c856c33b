"""Listeners for the transfer audit: "Audit the file" opens the form, and its submission."""

from slack_bolt import App

from bot.core.services import Services
from bot.transfer_audit import form
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("transfer_audit.open")(button_listener(services, form.open_transfer_audit_form))
    register_form(app, services, "transfer_audit.submit", form.submit_transfer_audit)
