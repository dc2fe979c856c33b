"""Listeners for the re-audit: the moderator's Start button and the stepped form; and, with
`reaudit.sampling: every_audit`, each audit given out for moderation as it is submitted."""

from slack_bolt import App

from bot.core.audit_events import when_audit_submitted
from bot.core.services import Services
from bot.reaudit.every_audit import send_for_moderation
from bot.reaudit.form import REAUDIT_FORM, open_reaudit
from handlers.clicks import button_listener
from handlers.forms import register_stepped_form


def register(app: App, services: Services) -> None:
    app.action("reaudit.start")(button_listener(services, open_reaudit))
    register_stepped_form(app, services, REAUDIT_FORM)
    when_audit_submitted("reaudit.every_audit", send_for_moderation)
