"""Slack listeners only: parse the payload, call one use case, ack or respond. One module per
feature, plus the listener shapes they share (clicks, forms, errors)."""

from slack_bolt import App

from bot.core.services import Services
from handlers import (
    action_review,
    audit,
    booking,
    chasing,
    commands,
    concerns,
    errors,
    extensions,
    home,
    imports,
    iro_feedback,
    reaudit,
    round_practices,
    rounds,
    selection,
    supervision_audit,
    tac,
    transfer_audit,
)

FEATURES = (
    commands,
    selection,
    booking,
    audit,
    action_review,
    reaudit,
    tac,
    chasing,
    rounds,
    round_practices,
    extensions,
    concerns,
    iro_feedback,
    transfer_audit,
    supervision_audit,
    imports,
    home,
)


def register_all(app: App, services: Services) -> None:
    for module in (*FEATURES, errors):
        module.register(app, services)
