"""Listeners for audit rounds: the form that defines one, the practitioner's attendance, and
the administrator's choice when a practitioner can't attend."""

from slack_bolt import App

from bot.core.services import Services
from bot.rounds import absence, attendance, definition
from handlers.clicks import button_listener
from handlers.forms import register_form

BUTTONS = {
    "round.attend": attendance.confirm_attendance,
    "round.decline": attendance.open_decline_form,
    "round.absence.swap": absence.swap_case,
    "round.absence.another": absence.draw_another_case,
    "round.absence.keep": absence.keep_case,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    register_form(app, services, "round.new", definition.submit_round_form)
    register_form(app, services, "round.decline", attendance.submit_decline)
