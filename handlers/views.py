"""Modal submissions."""

from slack_bolt import Ack, App

from bot.interactions import submit_redraw_request
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.view("selection.redraw")
    def redraw_submitted(ack: Ack, body: dict, view: dict) -> None:
        reason = view["state"]["values"]["reason"]["reason"].get("value") or ""
        errors = submit_redraw_request(
            services, body["user"]["id"], view.get("private_metadata") or "{}", reason
        )
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()
