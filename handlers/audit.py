"""Listeners for the guided audit, its actions and safeguarding alerts."""

from slack_bolt import App

from bot.audit import actions, alerts, inadequate, inadmissible
from bot.audit.form import AUDIT_FORM, open_audit
from bot.audit.record_download import send_audit_record
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form, register_stepped_form

BUTTONS = {
    "audit.start": open_audit,
    "alert.ack": alerts.acknowledge_alert,
    "action.done": actions.open_mark_done_form,
    "audit.inadmissible": inadmissible.open_inadmissible_form,
    "audit.case_actions": inadequate.open_case_actions,
    "audit.record": send_audit_record,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    register_stepped_form(app, services, AUDIT_FORM)
    register_form(app, services, "action.done", actions.submit_mark_done)
    register_form(app, services, "audit.inadmissible", inadmissible.submit_inadmissible)
