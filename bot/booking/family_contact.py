"""Contact with the child and family: planned, or not appropriate with the reason, and then
its outcome. Never silently skipped: "why not" is always recorded."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.booking.rules import engagement_prompt_due
from bot.core import auditlog
from bot.core.actor import STALE_BUTTON, parse_id, require_actor, require_managed_selection
from bot.core.calendar import WorkingCalendar
from bot.core.errors import AuditbotError, InvalidRequest
from bot.core.outbox import queue_dm, queue_update
from bot.core.services import Services
from bot.policy.schema import Policy
from bot.selection.manager_message import refresh_selection_message
from bot.selection.redraw import Reply
from messages import plain_date, render
from models import Case, FamilyEngagement, OutboxMessage, Selection, Staff
from models.booking import engagement_for
from models.db import lock_row, transaction

METHODS = {
    "visit": "Home or office visit",
    "phone": "Phone call",
    "video": "Video call",
    "letter": "Letter or email",
    "other": "Another way",
}
OUTCOMES = {
    "views_obtained": "Views obtained",
    "declined": "They declined",
    "no_contact": "Could not be contacted",
    "not_appropriate": "Not appropriate after all",
}
MIN_TEXT = 10


def open_engagement_form(services: Services, slack_user_id: str, selection_id: str) -> Reply:
    try:
        with services.make_session() as session:
            actor = require_actor(session, slack_user_id)
            selection = require_managed_selection(
                session, actor, parse_id(selection_id), services.now()
            )
            engagement = engagement_for(session, selection.id)
            if engagement is not None and engagement.status != "planned":
                raise InvalidRequest("The contact with the family is already recorded.")
            case = session.get(Case, selection.case_id)
            return Reply(
                view=render(
                    "engagement_modal",
                    private_metadata=json.dumps({"selection_id": selection.id}),
                    case=case,
                    methods=METHODS,
                    engagement=engagement,
                    due_on=selection.due_on,
                )
            )
    except AuditbotError as error:
        return Reply(text=str(error))


def engagement_plan_errors(
    values: dict[str, str | None], *, today: date, due_on: date
) -> dict[str, str]:
    """Problems with the plan form, by field."""
    choice = values.get("choice")
    if choice == "not_appropriate":
        if len((values.get("reason") or "").strip()) < MIN_TEXT:
            return {"reason": "Please say why contact with the child or family is not appropriate."}
        return {}
    if choice != "plan":
        return {"choice": "Please choose: plan contact, or not appropriate."}
    errors = {}
    if values.get("method") not in METHODS:
        errors["method"] = "Please choose how you plan to make contact."
    try:
        planned_on = date.fromisoformat(values.get("planned_on") or "")
    except ValueError:
        errors["planned_on"] = "Please pick the date you plan to make contact."
    else:
        if planned_on < today:
            errors["planned_on"] = "That date has passed: please pick today or a later day."
        elif planned_on > due_on:
            errors["planned_on"] = (
                f"The audit is due by {plain_date(due_on)}: please plan contact before then."
            )
    return errors


def submit_engagement_form(
    services: Services, slack_user_id: str, private_metadata: str, values: dict[str, str | None]
) -> dict[str, str] | None:
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            selection_id = int(json.loads(private_metadata)["selection_id"])
            lock_row(session, Selection, selection_id)  # two submits at once: one after the other
            actor = require_actor(session, slack_user_id)
            selection = require_managed_selection(session, actor, selection_id, now)
            errors = engagement_plan_errors(
                values, today=services.calendar.local(now).date(), due_on=selection.due_on
            )
            if errors:
                return errors
            engagement = engagement_for(session, selection.id)
            if engagement is not None and engagement.status != "planned":
                return {"choice": "The contact with the family is already recorded."}
            plan = values["choice"] == "plan"
            if engagement is not None and plan and _same_plan(engagement, values):
                return None  # the same plan submitted again: nothing changes
            engagement = engagement or FamilyEngagement(selection_id=selection.id, status="")
            engagement.status = "planned" if plan else "not_appropriate"
            engagement.method = values.get("method") if plan else None
            engagement.planned_on = date.fromisoformat(values["planned_on"]) if plan else None
            engagement.reason = None if plan else (values.get("reason") or "").strip()
            engagement.recorded_by = actor.id
            engagement.updated_at = now
            session.add(engagement)
            session.flush()
            auditlog.record(
                session,
                actor=actor.email,
                action=f"engagement.{engagement.status}",
                subject=f"selection:{selection.id}",
                now=now,
                method=engagement.method,
                planned_on=str(engagement.planned_on) if plan else None,
                reason=engagement.reason,
            )
            change = f"engagement:{engagement.id}:{engagement.status}:{engagement.planned_on}"
            refresh_selection_message(session, services, selection, change, now)
    except AuditbotError as error:
        return {"choice": str(error)}
    services.deliver_soon()
    return None


def _same_plan(engagement: FamilyEngagement, values: dict[str, str | None]) -> bool:
    return (
        engagement.status == "planned"
        and engagement.method == values.get("method")
        and str(engagement.planned_on) == values.get("planned_on")
    )


def open_outcome_form(services: Services, slack_user_id: str, value: str) -> Reply:
    """`value` is "<engagement id>:<outcome>" from the outcome question's buttons."""
    engagement_id, _, outcome = value.partition(":")
    try:
        with services.make_session() as session:
            engagement = _planned_engagement(session, slack_user_id, engagement_id)
            if outcome not in OUTCOMES:
                raise InvalidRequest(STALE_BUTTON)
            case = session.get(Case, session.get(Selection, engagement.selection_id).case_id)
            return Reply(
                view=render(
                    "engagement_outcome_modal",
                    private_metadata=json.dumps(
                        {"engagement_id": engagement.id, "outcome": outcome}
                    ),
                    outcome=outcome,
                    outcome_label=OUTCOMES[outcome],
                    case=case,
                    min_length=MIN_TEXT,
                )
            )
    except AuditbotError as error:
        return Reply(text=str(error))


def submit_outcome_form(
    services: Services, slack_user_id: str, private_metadata: str, text: str
) -> dict[str, str] | None:
    metadata = json.loads(private_metadata)
    outcome, text = metadata["outcome"], text.strip()
    if len(text) < MIN_TEXT:
        what = "the views, in brief" if outcome == "views_obtained" else "why"
        return {"text": f"Please write {what} (a sentence is enough)."}
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            if str(metadata["engagement_id"]).isdigit():  # two submits at once: one after the other
                lock_row(session, FamilyEngagement, int(metadata["engagement_id"]))
            engagement = _planned_engagement(session, slack_user_id, str(metadata["engagement_id"]))
            engagement.status = outcome
            if outcome == "views_obtained":
                engagement.summary = text
            else:
                engagement.reason = text
            engagement.updated_at = now
            session.add(engagement)
            actor = require_actor(session, slack_user_id)
            auditlog.record(
                session,
                actor=actor.email,
                action=f"engagement.{outcome}",
                subject=f"selection:{engagement.selection_id}",
                now=now,
            )
            selection = session.get(Selection, engagement.selection_id)
            prompt_key = f"engagement:{engagement.id}:outcome:{engagement.planned_on}"
            queue_update(
                session,
                key=f"{prompt_key}:answered",
                update_of=prompt_key,
                message=_outcome_prompt(session, engagement, answered=OUTCOMES[outcome]),
                concern=f"engagement:{engagement.id}",
                now=now,
            )
            refresh_selection_message(
                session, services, selection, f"engagement:{engagement.id}:{outcome}", now
            )
    except AuditbotError as error:
        return {"text": str(error)}
    services.deliver_soon()
    return None


def run_engagement_schedule(
    session: Session, *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> int:
    """Ask for the outcome of planned contact on the next working day after it."""
    planned = session.exec(
        select(FamilyEngagement)
        .where(FamilyEngagement.status == "planned")
        .where(FamilyEngagement.planned_on < calendar.local(now).date())
    ).all()
    keys = {e.id: f"engagement:{e.id}:outcome:{e.planned_on}" for e in planned}
    # Asked already (an outcome never given stays "planned"): not rendered again every tick.
    asked = set(
        session.exec(
            select(OutboxMessage.idempotency_key).where(
                col(OutboxMessage.idempotency_key).in_(list(keys.values()))
            )
        ).all()
    )
    queued = 0
    for engagement in planned:
        if keys[engagement.id] in asked:
            continue
        if not engagement_prompt_due(engagement.planned_on, now, policy, calendar):
            continue
        selection = session.get(Selection, engagement.selection_id)
        queue_dm(
            session,
            key=keys[engagement.id],
            recipient=session.get(Staff, selection.manager_id),
            message=_outcome_prompt(session, engagement, answered=None),
            concern=f"engagement:{engagement.id}",
            now=now,
        )
        queued += 1
    return queued


def _outcome_prompt(session: Session, engagement: FamilyEngagement, answered: str | None) -> dict:
    case = session.get(Case, session.get(Selection, engagement.selection_id).case_id)
    return render(
        "engagement_outcome_prompt",
        engagement=engagement,
        case=case,
        method=METHODS[engagement.method].lower(),
        outcomes=OUTCOMES,
        answered=answered,
    )


def _planned_engagement(
    session: Session, slack_user_id: str, engagement_id: str
) -> FamilyEngagement:
    actor = require_actor(session, slack_user_id)
    engagement = session.get(FamilyEngagement, parse_id(engagement_id))
    if engagement is None:
        raise InvalidRequest(STALE_BUTTON)
    require_managed_selection(session, actor, engagement.selection_id)
    if engagement.status != "planned":
        raise InvalidRequest("The outcome of this contact is already recorded.")
    return engagement
