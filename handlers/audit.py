"""Listeners for the guided audit, its actions and safeguarding alerts."""

from functools import partial

from slack_bolt import App

from bot.audit import followup as audit_followup
from bot.audit import form as audit
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form, register_stepped_form, with_text

BUTTONS = {
    "audit.start": audit.open_audit,
    "alert.ack": audit_followup.acknowledge_alert,
    "action.done": audit_followup.open_mark_done_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))

    register_stepped_form(
        app,
        "audit.step",
        partial(audit.submit_step, services),
        partial(audit.save_closed_step, services),
    )

    register_form(app, "action.done", with_text(services, audit_followup.submit_mark_done))
