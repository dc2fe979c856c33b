"""Away and cover from the Home tab: a form with the first and last day away and the cover,
doing what `/audit away FIRST LAST [@cover]` does (bot/people/away.py)."""

from __future__ import annotations

from datetime import date

from bot.core.errors import AuditbotError
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.people.away import answer_away, open_absence
from bot.people.away_command import AwayRequest
from messages import render
from models import Staff


@on_click()
def open_away_form(uow: UnitOfWork, _value: str) -> Reply:
    """The form, filled in with the person's absence still to come or in force, if any."""
    session = uow.session
    absence = open_absence(session, uow.actor, uow.now)
    cover = session.get(Staff, absence.cover_id) if absence and absence.cover_id else None
    cover_user_id = cover.slack_user_id if cover else None
    return Reply(view=render("away_modal", absence=absence, cover_user_id=cover_user_id))


def _refused_field(form: Submission, refusal: AuditbotError) -> str:
    return "cover" if form.values.get("cover") and "cover" in str(refusal).lower() else "ends_on"


@on_submit(field=_refused_field)
def submit_away_form(uow: UnitOfWork, _nothing: None, form: Submission) -> Reply | None:
    """Set the absence; inline errors (and nothing changed) for what cannot be."""
    values = form.values
    starts, ends, cover = values.get("starts_on"), values.get("ends_on"), values.get("cover")
    errors = _form_errors(uow.actor.slack_user_id, starts, ends, cover)
    if errors:
        return Reply(errors=errors)
    request = AwayRequest(
        starts_on=date.fromisoformat(starts), ends_on=date.fromisoformat(ends), cover_user_id=cover
    )
    answer_away(uow.session, uow.actor, request, uow.now, uow.calendar.timezone)
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
