"""The TAC checkpoint in supervision: `/supervision`, its buttons and its forms."""

from functools import partial

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.services import Services
from bot.tac.checkpoint import TAC_CHECKPOINT, start_checkpoint, start_checkpoint_for
from bot.tac.tasks import open_summary_completed, submit_summary_completed
from handlers.clicks import answer_after_ack, button_listener, show_reply
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    @app.command("/supervision")
    def supervision(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        text = command.get("text") or ""
        answer_after_ack(
            services,
            respond,
            compute=partial(start_checkpoint, services, command["user_id"], text),
            show=partial(show_reply, command, client, respond),
        )

    app.action("tac.checkpoint.open")(button_listener(services, start_checkpoint_for))
    register_form(app, services, TAC_CHECKPOINT.callback_id, TAC_CHECKPOINT.on_step_submitted)
    app.action("tac.task.complete")(button_listener(services, open_summary_completed))
    register_form(app, services, "tac.summary_completed", submit_summary_completed)
