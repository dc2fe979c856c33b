"""Listeners for the guided audit, its actions and safeguarding alerts."""

from slack_bolt import Ack, App

from bot import audit, audit_followup
from bot.services import Services
from handlers.clicks import button_listener
from handlers.forms import form_values

BUTTONS = {
    "audit.start": audit.open_audit,
    "alert.ack": audit_followup.acknowledge_alert,
    "action.done": audit_followup.open_mark_done_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))

    @app.view("audit.step")
    def step_submitted(ack: Ack, body: dict, view: dict) -> None:
        result = audit.submit_step(
            services, body["user"]["id"], view["private_metadata"], form_values(view)
        )
        if result.errors:
            ack(response_action="errors", errors=result.errors)
        elif result.next_view:
            ack(response_action="update", view=result.next_view)
        else:
            ack()

    @app.view_closed("audit.step")
    def step_closed(ack: Ack, body: dict, view: dict) -> None:
        # Saved before the ack, so a quick "Resume" finds the answers already there.
        audit.save_closed_step(
            services, body["user"]["id"], view["private_metadata"], form_values(view)
        )
        ack()

    @app.view("action.done")
    def action_done(ack: Ack, body: dict, view: dict) -> None:
        errors = audit_followup.submit_mark_done(
            services,
            body["user"]["id"],
            view["private_metadata"],
            form_values(view).get("reason") or "",
        )
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()
