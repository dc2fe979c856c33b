"""Listeners for the parts of the audit Sefton added (issue 25): the IRO's or conference chair's
feedback, and the supervision-gap alert."""

from slack_bolt import App

from bot.audit.iro_feedback import open_iro_feedback_form, submit_iro_feedback
from bot.audit.supervision_gap import acknowledge_supervision_gap
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("iro.give")(button_listener(services, open_iro_feedback_form))
    register_form(app, services, "iro.feedback", submit_iro_feedback)
    app.action("supervision_gap.ack")(button_listener(services, acknowledge_supervision_gap))
