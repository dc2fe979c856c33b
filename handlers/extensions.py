"""Listeners for extensions: the team manager's request, the service manager's decision."""

from slack_bolt import Ack, App

from bot import extensions
from bot.services import Services
from handlers.clicks import button_listener
from handlers.forms import form_values

BUTTONS = {
    "extension.open": extensions.open_extension_form,
    "extension.approve": extensions.approve_extension,
    "extension.refuse": extensions.open_refusal_form,
}


def register(app: App, services: Services) -> None:
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))

    def answer(ack: Ack, errors: dict[str, str] | None) -> None:
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    @app.view("extension.submit")
    def requested(ack: Ack, body: dict, view: dict) -> None:
        answer(
            ack,
            extensions.submit_extension_form(
                services, body["user"]["id"], view["private_metadata"], form_values(view)
            ),
        )

    @app.view("extension.refuse")
    def refused(ack: Ack, body: dict, view: dict) -> None:
        reason = form_values(view).get("reason") or ""
        answer(
            ack,
            extensions.submit_refusal(
                services, body["user"]["id"], view["private_metadata"], reason
            ),
        )
