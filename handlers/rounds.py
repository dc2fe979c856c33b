"""Listeners for audit rounds: the form that defines one, and the practitioner's attendance."""

from slack_bolt import App

from bot.core.services import Services
from bot.rounds import attendance as round_attendance
from bot.rounds import definition as rounds
from handlers.clicks import button_listener
from handlers.forms import register_form

BUTTONS = {
    "round.attend": round_attendance.confirm_attendance,
    "round.decline": round_attendance.open_decline_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    register_form(
        app,
        "round.new",
        lambda user, _metadata, values: rounds.submit_round_form(services, user, values),
    )
    register_form(
        app,
        "round.decline",
        lambda user, metadata, values: round_attendance.submit_decline(
            services, user, metadata, values.get("reason") or ""
        ),
    )
