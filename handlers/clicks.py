"""One listener shape for every button that opens a form or answers ephemerally."""

from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.interactions import Reply
from bot.services import Services

ButtonUseCase = Callable[[Services, str, str], Reply]


def button_listener(services: Services, use_case: ButtonUseCase) -> Callable[..., None]:
    """Ack at once, run the use case with (clicker, button value), then open the form it
    returns or answer the clicker privately."""

    def listener(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        reply = use_case(services, body["user"]["id"], body["actions"][0].get("value") or "")
        if reply.view is not None:
            client.views_open(trigger_id=body["trigger_id"], view=reply.view)
        else:
            respond(text=reply.text, response_type="ephemeral", replace_original=False)

    return listener
