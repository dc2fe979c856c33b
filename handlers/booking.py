"""Listeners for the practitioner discussion and the family contact."""

import re

from slack_bolt import App

from bot.booking import discussion, family_contact
from bot.core.services import Services
from handlers.clicks import button_listener
from handlers.forms import register_form

BUTTONS = {
    "booking.open": discussion.open_booking_form,
    "booking.rebook": discussion.open_rebooking_form,
    "booking.cancel": discussion.cancel_booking,
    "booking.can": discussion.practitioner_can_make_it,
    "booking.cannot": discussion.open_cannot_make_it_form,
    "booking.held": discussion.record_held,
    "booking.not_held": discussion.open_not_held_form,
    "engagement.open": family_contact.open_engagement_form,
    re.compile(r"^engagement\.outcome\."): family_contact.open_outcome_form,
}
FORMS = {
    "booking.submit": discussion.submit_booking_form,
    "booking.cannot": discussion.submit_cannot_make_it,
    "booking.not_held": discussion.submit_not_held,
    "engagement.submit": family_contact.submit_engagement_form,
    "engagement.outcome": family_contact.submit_outcome_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    for callback_id, use_case in FORMS.items():
        register_form(app, services, callback_id, use_case)
