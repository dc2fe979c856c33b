"""Away and cover from the Home tab: a form with the first and last day away and the cover,
doing what `/audit away FIRST LAST [@cover]` does (bot/people/away.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.actor import UNKNOWN_PERSON, find_actor, require_actor
from bot.core.errors import AuditbotError
from bot.core.services import Services
from bot.people.away import answer_away, open_absence
from bot.people.away_command import AwayRequest
from bot.selection.redraw import Reply
from messages import render
from models import Staff
from models.db import transaction


def open_away_form(services: Services, slack_user_id: str, _value: str) -> Reply:
    """The form, filled in with the person's absence still to come or in force, if any."""
    with services.make_session() as session:
        person = find_actor(session, slack_user_id)
        if person is None:
            return Reply(text=UNKNOWN_PERSON)
        absence = open_absence(session, person, services.now())
        cover = session.get(Staff, absence.cover_id) if absence and absence.cover_id else None
        cover_user_id = cover.slack_user_id if cover else None
        return Reply(view=render("away_modal", absence=absence, cover_user_id=cover_user_id))


def submit_away_form(
    services: Services, slack_user_id: str, _metadata: str, values: dict[str, Any]
) -> dict[str, str] | None:
    """Set the absence; inline errors (and nothing changed) for what cannot be."""
    starts, ends, cover = values.get("starts_on"), values.get("ends_on"), values.get("cover")
    errors = _form_errors(slack_user_id, starts, ends, cover)
    if errors:
        return errors
    request = AwayRequest(
        starts_on=date.fromisoformat(starts), ends_on=date.fromisoformat(ends), cover_user_id=cover
    )
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            answer_away(session, actor, request, services.now(), services.settings.timezone)
    except AuditbotError as error:
        return {"cover" if cover and "cover" in str(error).lower() else "ends_on": str(error)}
    services.deliver_soon()
    return None


def _form_errors(
    slack_user_id: str, starts: str | None, ends: str | None, cover: str | None
) -> dict[str, str]:
    errors = {}
    if not starts:
        errors["starts_on"] = "Pick your first day away."
    if not ends:
        errors["ends_on"] = "Pick your last day away."
    elif starts and date.fromisoformat(ends) < date.fromisoformat(starts):
        errors["ends_on"] = "The last day is before the first."
    if cover == slack_user_id:
        errors["cover"] = "Choose someone else, or nobody: then your manager covers for you."
    return errors
