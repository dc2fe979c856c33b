"""Slash commands."""

from functools import partial

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.commands.audit_command import answer_audit_command, usage_notice
from bot.commands.parser import UsageError, parse_audit_command
from bot.core.services import Services
from bot.people.slack_import import asks_for_import_form, open_import_form
from bot.rounds.definition import asks_for_round_form, open_round_form
from handlers.clicks import answer_after_ack, answer_privately, show_reply


def register(app: App, services: Services) -> None:
    @app.command("/audit")
    def audit(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        text = command.get("text") or ""
        try:
            parsed = parse_audit_command(text)
        except UsageError as error:
            ack(**usage_notice(error))  # nothing to look up: the explanation is the ack
            return
        # Past parsing, answering needs the database: ack now, answer after (on the command's
        # response_url, or with a form).
        ack()
        user_id = command["user_id"]
        if asks_for_round_form(text):  # `/audit round new` answers with a form (issue 12)
            compute = partial(open_round_form, services, user_id)
            show = partial(show_reply, command, client, respond)
        elif asks_for_import_form(text):  # `/audit import` answers with a form (issue 22)
            compute = partial(open_import_form, services, user_id)
            show = partial(show_reply, command, client, respond)
        else:
            compute = partial(answer_audit_command, services, user_id, parsed)
            show = partial(answer_privately, command, client, respond)
        answer_after_ack(services, respond, compute, show)
