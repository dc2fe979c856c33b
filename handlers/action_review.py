"""Listeners for the manager's review of an audit's actions: the DM's button opens the form,
and its submission."""

from slack_bolt import App

from bot.audit import action_review
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("action_review.open")(
        button_listener(services, action_review.open_action_review_form)
    )
    register_form(app, services, "action_review.submit", action_review.submit_action_review)
