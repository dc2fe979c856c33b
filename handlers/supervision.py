"""The TAC checkpoint in supervision: `/supervision`, its buttons and its modals."""

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import Services
from bot.tac import (
    Reply,
    open_summary_completed,
    start_checkpoint,
    start_checkpoint_for,
    submit_checkpoint,
    submit_summary_completed,
)


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
            services, body["user"]["id"], view.get("private_metadata") or "{}", state_values(view)
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
            state_values(view).get("completed_on"),
        )
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()


def _button_value(body: dict) -> str:
    return body["actions"][0].get("value") or ""


def _show(reply: Reply, body: dict, client: WebClient, respond: Respond) -> None:
    if reply.view is not None:
        client.views_open(trigger_id=body["trigger_id"], view=reply.view)
    else:
        respond(
            text=reply.notice["text"],
            blocks=reply.notice["blocks"],
            response_type="ephemeral",
            replace_original=False,
        )


def state_values(view: dict) -> dict[str, Any]:
    """{block_id: value} of a submitted view: the text typed, the option chosen, the date
    picked (YYYY-MM-DD), or the options ticked (a list); None when left empty."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            values[block_id] = _element_value(element)
    return values


def _element_value(element: dict) -> Any:
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("radio_buttons", "static_select"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "checkboxes":
        return [option["value"] for option in element.get("selected_options") or []]
    return element.get("value")
