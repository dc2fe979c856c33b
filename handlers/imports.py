"""Listeners for imports from Slack: `/audit import`'s form, a CSV file shared in Auditbot's DM
(`file_shared`), and the Import button of the check's DM."""

from functools import partial

from slack_bolt import App

from bot.core.services import Services
from bot.people import slack_import
from handlers.clicks import answer_after_ack, button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    register_form(app, services, "import.file", slack_import.submit_import_form)
    app.action("import.confirm")(button_listener(services, slack_import.confirm_import))

    # A file shared where Auditbot can see it. Bolt drops the bot's own shares (the problems
    # file it uploads); the use case reads only files shared in a DM with Auditbot.
    @app.event("file_shared")
    def file_shared(event: dict) -> None:
        answer_after_ack(
            services,
            None,
            compute=partial(
                slack_import.check_shared_file,
                services,
                str(event.get("user_id") or ""),
                str(event.get("file_id") or ""),
                str(event.get("channel_id") or ""),
            ),
            show=lambda _nothing: None,
        )
