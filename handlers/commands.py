"""Slash commands."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.commands import notice, run_audit_command
from bot.rounds import asks_for_round_form, open_round_form
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.command("/audit")
    def audit(ack: Ack, command: dict, client: WebClient) -> None:
        text = command.get("text") or ""
        if asks_for_round_form(text):  # `/audit round new` answers with a form (issue 12)
            reply = open_round_form(services, command["user_id"])
            if reply.view is None:
                ack(**notice(reply.text))
                return
            ack()
            client.views_open(trigger_id=command["trigger_id"], view=reply.view)
            return
        ack(**run_audit_command(services, command["user_id"], text))
