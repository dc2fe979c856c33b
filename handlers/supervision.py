"""The TAC checkpoint in supervision: `/supervision`, its buttons and its modals."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import Services
from bot.tac import Reply, start_checkpoint, start_checkpoint_for, submit_checkpoint
from bot.tac_tasks import open_summary_completed, submit_summary_completed
from handlers.clicks import answer_privately
from handlers.forms import close_or_show_errors, form_values


def register(app: App, services: Services) -> None:
    @app.command("/supervision")
    def supervision(ack: Ack, command: dict, client: WebClient) -> None:
        reply = start_checkpoint(services, command["user_id"], command.get("text") or "")
        if reply.view is None:
            ack(**reply.notice)
            return
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=reply.view)

    @app.action("tac.checkpoint.open")
    def checkpoint_from_digest(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        reply = start_checkpoint_for(services, body["user"]["id"], _button_value(body))
        _show(reply, body, client, respond)

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

    @app.action("tac.task.complete")
    def summary_completed(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        reply = open_summary_completed(services, body["user"]["id"], _button_value(body))
        _show(reply, body, client, respond)

    @app.view("tac.summary_completed")
    def summary_completed_submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = submit_summary_completed(
            services,
            body["user"]["id"],
            view.get("private_metadata") or "{}",
            form_values(view).get("completed_on"),
        )
        close_or_show_errors(ack, errors)


def _button_value(body: dict) -> str:
    return body["actions"][0].get("value") or ""


def _show(reply: Reply, body: dict, client: WebClient, respond: Respond) -> None:
    if reply.view is not None:
        client.views_open(trigger_id=body["trigger_id"], view=reply.view)
    else:
        answer_privately(body, client, respond, reply.notice)
