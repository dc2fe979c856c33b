"""Button clicks in messages."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.interactions import open_redraw_request
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.action("selection.request_redraw")
    def request_redraw(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        reply = open_redraw_request(
            services, body["user"]["id"], body["actions"][0].get("value") or ""
        )
        if reply.view is not None:
            client.views_open(trigger_id=body["trigger_id"], view=reply.view)
        else:
            respond(text=reply.text, response_type="ephemeral", replace_original=False)
