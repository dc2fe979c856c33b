"""Listeners for the practitioner discussion and the family contact."""

import re
from functools import partial

from slack_bolt import Ack, App

from bot.booking import discussion as booking
from bot.booking import family_contact as engagement
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import close_or_show_errors, form_values, register_form, with_text

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

    @app.view("booking.submit")
    def booking_submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = booking.submit_booking_form(
            services, body["user"]["id"], view["id"], view["private_metadata"], form_values(view)
        )
        close_or_show_errors(ack, errors)

    register_form(app, "booking.cannot", with_text(services, booking.submit_cannot_make_it))
    register_form(app, "booking.not_held", with_text(services, booking.submit_not_held))
    register_form(app, "engagement.submit", partial(engagement.submit_engagement_form, services))
    register_form(
        app, "engagement.outcome", with_text(services, engagement.submit_outcome_form, "text")
    )
