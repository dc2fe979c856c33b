"""Listeners for the cases-of-concern register: "Review" opens the form, and its submission."""

from slack_bolt import App

from bot.concerns import review
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("concern.review")(button_listener(services, review.open_review_form))
    register_form(app, services, "concern.submit", review.submit_review)
