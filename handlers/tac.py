"""The TAC checkpoint in supervision: `/supervision`, its buttons and its modals."""

from functools import partial

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.services import Services
from bot.tac.checkpoint import start_checkpoint, start_checkpoint_for, submit_checkpoint
from bot.tac.tasks import open_summary_completed, submit_summary_completed
from handlers.clicks import answer_after_ack, button_listener, show_reply
from handlers.forms import close_or_show_errors, form_values


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

    @app.view("tac.checkpoint")
    def checkpoint_page(ack: Ack, body: dict, view: dict) -> None:
        outcome = submit_checkpoint(
            services, body["user"]["id"], view.get("private_metadata") or "{}", form_values(view)
        )
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
        elif outcome.next_view is not None:
            ack(response_action="update", view=outcome.next_view)
        else:
            ack()

    app.action("tac.task.complete")(button_listener(services, open_summary_completed))

    @app.view("tac.summary_completed")
    def summary_completed_submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = submit_summary_completed(
            services,
            body["user"]["id"],
            view.get("private_metadata") or "{}",
            form_values(view).get("completed_on"),
        )
        close_or_show_errors(ack, errors)
