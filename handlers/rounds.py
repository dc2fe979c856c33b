"""Listeners for audit rounds: the form that defines one, and the practitioner's attendance."""

from slack_bolt import Ack, App

from bot import round_attendance, rounds
from bot.services import Services
from handlers.clicks import button_listener
from handlers.forms import form_values

BUTTONS = {
    "round.attend": round_attendance.confirm_attendance,
    "round.decline": round_attendance.open_decline_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))

    @app.view("round.new")
    def round_defined(ack: Ack, body: dict, view: dict) -> None:
        errors = rounds.submit_round_form(services, body["user"]["id"], form_values(view))
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    @app.view("round.decline")
    def attendance_declined(ack: Ack, body: dict, view: dict) -> None:
        errors = round_attendance.submit_decline(
            services,
            body["user"]["id"],
            view["private_metadata"],
            form_values(view).get("reason") or "",
        )
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()
