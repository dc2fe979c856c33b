"""Contact with the child and family: planned, or not appropriate with the reason, and then
its outcome. Never silently skipped: "why not" is always recorded."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, col, select

from bot.booking.rules import engagement_prompt_due
from bot.core import auditlog
from bot.core.actor import STALE_BUTTON
from bot.core.errors import InvalidRequest
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.selection.access import ONLY_THE_MANAGER, require_managed_selection
from bot.selection.manager_message import refresh_selection_message
from messages import plain_date, render
from models import Case, FamilyEngagement, OutboxMessage, Selection, Staff
from models.booking import engagement_for
from models.statuses import EngagementStatus

METHODS = {
    "visit": "Home or office visit",
    "phone": "Phone call",
    "video": "Video call",
    "letter": "Letter or email",
    "other": "Another way",
}
OUTCOMES = {
    EngagementStatus.VIEWS_OBTAINED: "Views obtained",
    EngagementStatus.DECLINED: "They declined",
    EngagementStatus.NO_CONTACT: "Could not be contacted",
    EngagementStatus.NOT_APPROPRIATE: "Not appropriate after all",
}
MIN_TEXT = 10


@on_click(Selection, missing=ONLY_THE_MANAGER)
def open_engagement_form(uow: UnitOfWork, selection: Selection) -> Reply:
    session = uow.session
    require_managed_selection(session, uow.actor, selection, uow.now)
    engagement = engagement_for(session, selection.id)
    if engagement is not None and engagement.status != EngagementStatus.PLANNED:
        raise InvalidRequest("The contact with the family is already recorded.")
    return Reply(
        view=render(
            "engagement_modal",
            private_metadata=json.dumps({"selection_id": selection.id}),
            case=session.get(Case, selection.case_id),
            methods=METHODS,
            engagement=engagement,
            due_on=selection.due_on,
        )
    )


def engagement_plan_errors(
    values: dict[str, str | None], *, today: date, due_on: date
) -> dict[str, str]:
    """Problems with the plan form, by field."""
    choice = values.get("choice")
    if choice == EngagementStatus.NOT_APPROPRIATE:
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


@on_submit(Selection, key="selection_id", field="choice", missing=ONLY_THE_MANAGER)
def submit_engagement_form(uow: UnitOfWork, selection: Selection, form: Submission) -> Reply | None:
    """Plan contact, or say why it is not appropriate; the selection is locked, so two submits
    at once run one after the other."""
    session, actor, now, values = uow.session, uow.actor, uow.now, form.values
    require_managed_selection(session, actor, selection, now)
    errors = engagement_plan_errors(
        values, today=uow.calendar.local(now).date(), due_on=selection.due_on
    )
    if errors:
        return Reply(errors=errors)
    engagement = engagement_for(session, selection.id)
    if engagement is not None and engagement.status != EngagementStatus.PLANNED:
        return Reply.error("choice", "The contact with the family is already recorded.")
    plan = values["choice"] == "plan"
    if engagement is not None and plan and _same_plan(engagement, values):
        return None  # the same plan submitted again: nothing changes
    engagement = engagement or FamilyEngagement(selection_id=selection.id, status="")
    engagement.status = EngagementStatus.PLANNED if plan else EngagementStatus.NOT_APPROPRIATE
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
    refresh_selection_message(session, uow.services, selection, change, now)
    return None


def _same_plan(engagement: FamilyEngagement, values: dict[str, str | None]) -> bool:
    return (
        engagement.status == EngagementStatus.PLANNED
        and engagement.method == values.get("method")
        and str(engagement.planned_on) == values.get("planned_on")
    )


@on_click()
def open_outcome_form(uow: UnitOfWork, value: str) -> Reply:
    """`value` is "<engagement id>:<outcome>" from the outcome question's buttons."""
    engagement_id, _, outcome = value.partition(":")
    engagement = uow.lock_named(FamilyEngagement, engagement_id, STALE_BUTTON)
    _require_planned(uow, engagement)
    if outcome not in OUTCOMES:
        raise InvalidRequest(STALE_BUTTON)
    session = uow.session
    case = session.get(Case, session.get(Selection, engagement.selection_id).case_id)
    return Reply(
        view=render(
            "engagement_outcome_modal",
            private_metadata=json.dumps({"engagement_id": engagement.id, "outcome": outcome}),
            outcome=outcome,
            outcome_label=OUTCOMES[outcome],
            case=case,
            min_length=MIN_TEXT,
        )
    )


@on_submit(FamilyEngagement, key="engagement_id", field="text", missing=STALE_BUTTON)
def submit_outcome_form(
    uow: UnitOfWork, engagement: FamilyEngagement, form: Submission
) -> Reply | None:
    outcome, text = form.metadata.get("outcome"), form.text("text").strip()
    if len(text) < MIN_TEXT:
        what = "the views, in brief" if outcome == EngagementStatus.VIEWS_OBTAINED else "why"
        return Reply.error("text", f"Please write {what} (a sentence is enough).")
    if outcome not in OUTCOMES:
        raise InvalidRequest(STALE_BUTTON)
    _require_planned(uow, engagement)
    session, now = uow.session, uow.now
    engagement.status = outcome
    if outcome == EngagementStatus.VIEWS_OBTAINED:
        engagement.summary = text
    else:
        engagement.reason = text
    engagement.updated_at = now
    session.add(engagement)
    auditlog.record(
        session,
        actor=uow.actor.email,
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
        session, uow.services, selection, f"engagement:{engagement.id}:{outcome}", now
    )
    return None


def run_engagement_schedule(session: Session, tick: Tick) -> int:
    """Ask for the outcome of planned contact on the next working day after it."""
    now = tick.now
    planned = session.exec(
        select(FamilyEngagement)
        .where(FamilyEngagement.status == EngagementStatus.PLANNED)
        .where(FamilyEngagement.planned_on < tick.calendar.local(now).date())
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
        if not engagement_prompt_due(engagement.planned_on, now, tick.policy, tick.calendar):
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


def _require_planned(uow: UnitOfWork, engagement: FamilyEngagement) -> None:
    selection = uow.session.get(Selection, engagement.selection_id)
    require_managed_selection(uow.session, uow.actor, selection)
    if engagement.status != EngagementStatus.PLANNED:
        raise InvalidRequest("The outcome of this contact is already recorded.")
