"""Modal submissions."""

from slack_bolt import Ack, App

from bot.interactions import submit_redraw_request
from bot.services import Services
from handlers.forms import close_or_show_errors


def register(app: App, services: Services) -> None:
    @app.view("selection.redraw")
    def redraw_submitted(ack: Ack, body: dict, view: dict) -> None:
        reason = view["state"]["values"]["reason"]["reason"].get("value") or ""
        errors = submit_redraw_request(
            services, body["user"]["id"], view.get("private_metadata") or "{}", reason
        )
        close_or_show_errors(ack, errors)
