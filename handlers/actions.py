"""Button clicks on the selection DM."""

from slack_bolt import App

from bot.interactions import open_redraw_request
from bot.services import Services
from handlers.clicks import button_listener


def register(app: App, services: Services) -> None:
    app.action("selection.request_redraw")(button_listener(services, open_redraw_request))
