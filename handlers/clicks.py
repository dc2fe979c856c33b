"""The listener shape for buttons and commands that open a form or answer privately: ack at
once, then compute the answer and show it on the answer workers."""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.use_cases import ClickUseCase
from bot.home.tab import answer_modal
from handlers.errors import failed_after_ack

Answer = TypeVar("Answer")


def button_listener(services: Services, use_case: ClickUseCase) -> Callable[..., None]:
    """Ack at once; then run the use case with (clicker, button value) and show what it
    returns: the form it opens, or the clicker's private answer."""

    def listener(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        value = body["actions"][0].get("value") or ""
        answer_after_ack(
            services,
            respond,
            compute=partial(use_case, services, body["user"]["id"], value),
            show=partial(show_reply, body, client, respond),
        )

    return listener


def answer_after_ack(
    services: Services,
    respond: Respond | None,
    compute: Callable[[], Answer],
    show: Callable[[Answer], None],
) -> None:
    """Hand the work after the ack to the answer workers, so the listener returns at once."""
    services.answers.submit(compute, show, failed=partial(failed_after_ack, respond=respond))


def show_reply(body: dict, client: WebClient, respond: Respond | None, reply: Reply) -> None:
    if reply.view is not None:
        client.views_open(trigger_id=body["trigger_id"], view=reply.view)
    else:
        answer_privately(body, client, respond, reply)


def answer_privately(body: dict, client: WebClient, respond: Respond | None, reply: Reply) -> None:
    """An ephemeral reply to a slash command or under a message; a button on the Home tab has
    no conversation (and no response_url), so its answer opens as a small modal instead."""
    answer = reply.notice
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
