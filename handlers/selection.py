"""Listeners for the selection DM: asking for a different case (the button and its form)."""

from slack_bolt import App

from bot.core.services import Services
from bot.selection.redraw import open_redraw_request, submit_redraw_request
from handlers.clicks import button_listener
from handlers.forms import register_form


def register(app: App, services: Services) -> None:
    app.action("selection.request_redraw")(button_listener(services, open_redraw_request))
    register_form(app, services, "selection.redraw", submit_redraw_request)
