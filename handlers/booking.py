"""Listeners for the practitioner discussion and the family contact."""

import re

from slack_bolt import Ack, App

from bot import booking, engagement
from bot.services import Services
from handlers.clicks import button_listener
from handlers.forms import form_values

BUTTONS = {
    "booking.open": lambda services, user, value: booking.open_booking_form(
        services, user, selection_id=value
    ),
    "booking.rebook": lambda services, user, value: booking.open_booking_form(
        services, user, booking_id=value
    ),
    "booking.cancel": booking.cancel_booking,
    "booking.can": booking.practitioner_can_make_it,
    "booking.cannot": booking.open_cannot_make_it_form,
    "booking.held": booking.record_held,
    "booking.not_held": booking.open_not_held_form,
    "engagement.open": engagement.open_engagement_form,
    re.compile(r"^engagement\.outcome\."): engagement.open_outcome_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))

    def submitted(ack: Ack, errors: dict[str, str] | None) -> None:
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    @app.view("booking.submit")
    def booking_submitted(ack: Ack, body: dict, view: dict) -> None:
        submitted(
            ack,
            booking.submit_booking_form(
                services,
                body["user"]["id"],
                view["id"],
                view["private_metadata"],
                form_values(view),
            ),
        )

    @app.view("booking.cannot")
    def cannot_submitted(ack: Ack, body: dict, view: dict) -> None:
        reason = form_values(view).get("reason") or ""
        submitted(
            ack,
            booking.submit_cannot_make_it(
                services, body["user"]["id"], view["private_metadata"], reason
            ),
        )

    @app.view("booking.not_held")
    def not_held_submitted(ack: Ack, body: dict, view: dict) -> None:
        reason = form_values(view).get("reason") or ""
        submitted(
            ack,
            booking.submit_not_held(services, body["user"]["id"], view["private_metadata"], reason),
        )

    @app.view("engagement.submit")
    def contact_planned(ack: Ack, body: dict, view: dict) -> None:
        submitted(
            ack,
            engagement.submit_engagement_form(
                services, body["user"]["id"], view["private_metadata"], form_values(view)
            ),
        )

    @app.view("engagement.outcome")
    def outcome_recorded(ack: Ack, body: dict, view: dict) -> None:
        text = form_values(view).get("text") or ""
        submitted(
            ack,
            engagement.submit_outcome_form(
                services, body["user"]["id"], view["private_metadata"], text
            ),
        )
