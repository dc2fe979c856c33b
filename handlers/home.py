"""The App Home tab: publish it when opened, and its administrator command buttons."""

import re

from slack_bolt import App

from bot.core.services import Services
from bot.home import tab as home
from bot.people.away_form import open_away_form, submit_away_form
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, body: dict) -> None:
        if event.get("tab", "home") == "home":
            home.open_home(services, event["user"], body.get("event_id") or event.get("event_ts"))

    app.action(re.compile(r"^home\.command\.[a-z]+$"))(
        button_listener(services, home.run_home_command)
    )
    app.action("home.away")(button_listener(services, open_away_form))
    register_form(app, services, "away.submit", submit_away_form)
