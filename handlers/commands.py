"""Slash commands."""

from slack_bolt import Ack, App

from bot.commands import run_audit_command
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.command("/audit")
    def audit(ack: Ack, command: dict) -> None:
        ack(**run_audit_command(services, command["user_id"], command.get("text") or ""))
