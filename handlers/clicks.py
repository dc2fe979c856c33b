"""One listener shape for every button that opens a form or answers ephemerally."""

from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.home import answer_modal
from bot.interactions import Reply
from bot.services import Services
from messages import render

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
            answer_privately(body, client, respond, render("notice", text=reply.text, usage=None))

    return listener


def answer_privately(body: dict, client: WebClient, respond: Respond | None, answer: dict) -> None:
    """An ephemeral reply under a message; a button on the Home tab has no conversation (and
    no response_url), so its answer opens as a small modal instead."""
    if respond is not None and body.get("response_url"):
        respond(
            text=answer["text"],
            blocks=answer["blocks"],
            response_type="ephemeral",
            replace_original=False,
        )
    else:
        client.views_open(
            trigger_id=body["trigger_id"], view=answer_modal("Auditbot", answer["blocks"])
        )
