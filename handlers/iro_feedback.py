"""Listeners for the IRO's or conference chair's feedback on an audit (issue 25, Sefton)."""

from slack_bolt import App

from bot.audit.iro_feedback import open_iro_feedback_form, submit_iro_feedback
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("iro.give")(button_listener(services, open_iro_feedback_form))
    register_form(app, services, "iro.feedback", submit_iro_feedback)
