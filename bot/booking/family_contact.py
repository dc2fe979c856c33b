"""Contact with the child and family: planned, or not appropriate with the reason, and then
its outcome. Never silently skipped: "why not" is always recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
from bot.selection.loading import load_selections
from bot.selection.manager_message import refresh_selection_message
from messages import plain_date, render
from models import Case, FamilyEngagement, OutboxMessage, Selection, Staff
from models.booking import engagement_for
from models.statuses import ContactOutcome, EngagementStatus

METHODS = {
    "visit": "Home or office visit",
    "phone": "Phone call",
    "video": "Video call",
    "letter": "Letter or email",
    "other": "Another way",
}
# The outcome form's choices for the child and for the parents or carers (Gloucestershire
# counts them apart); only a child's contact can be inappropriate for their age.
CHILD_OUTCOMES = {
    ContactOutcome.ENGAGED: "Took part: their views were obtained",
    ContactOutcome.INAPPROPRIATE: "Not appropriate for the child's age or circumstances",
    ContactOutcome.NO_RESPONSE: "Attempted, no response",
    ContactOutcome.NOT_INVITED: "Not invited",
}
PARENTS_OUTCOMES = {
    outcome: label
    for outcome, label in CHILD_OUTCOMES.items()
    if outcome != ContactOutcome.INAPPROPRIATE
}
CONTACT_WORDS = {
    ContactOutcome.ENGAGED: "took part",
    ContactOutcome.INAPPROPRIATE: "not appropriate for their age or circumstances",
    ContactOutcome.NO_RESPONSE: "attempted, no response",
    ContactOutcome.NOT_INVITED: "not invited",
}
CHOICE_NEEDED = {
    "child": "Please choose how the child took part, or why not.",
    "parents": "Please choose how the parents or carers took part, or why not.",
}
REASON_NEEDED = {
    "child": "Please say why the child was not invited.",
    "parents": "Please say why the parents or carers were not invited.",
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
    # No contact at all: the child's is not appropriate, and the parents or carers are not
    # invited, both for the reason given.
    engagement.child_outcome = None if plan else ContactOutcome.INAPPROPRIATE
    engagement.parents_outcome = None if plan else ContactOutcome.NOT_INVITED
    engagement.child_reason = engagement.parents_reason = engagement.reason
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
    """`value` is the engagement id (a prompt sent before the child and the parents were
    recorded apart carries "<id>:<outcome>": it opens the same form)."""
    engagement_id = value.partition(":")[0]
    engagement = uow.lock_named(FamilyEngagement, engagement_id, STALE_BUTTON)
    _require_planned(uow, engagement)
    session = uow.session
    case = session.get(Case, session.get(Selection, engagement.selection_id).case_id)
    return Reply(
        view=render(
            "engagement_outcome_modal",
            private_metadata=json.dumps({"engagement_id": engagement.id}),
            case=case,
            child_outcomes=CHILD_OUTCOMES,
            parents_outcomes=PARENTS_OUTCOMES,
        )
    )


@dataclass(frozen=True)
class ContactOutcomes:
    """The outcome for the child and for the parents or carers, each with its reason when
    they did not take part, and the views in brief when someone did."""

    child: ContactOutcome
    child_reason: str | None
    parents: ContactOutcome
    parents_reason: str | None
    summary: str | None

    @property
    def status(self) -> EngagementStatus:
        """The contact as a whole, which the selection DM, the audit and the reports read:
        views obtained when either took part, could not be made when an attempt went
        unanswered, otherwise not appropriate."""
        outcomes = (self.child, self.parents)
        if ContactOutcome.ENGAGED in outcomes:
            return EngagementStatus.VIEWS_OBTAINED
        if ContactOutcome.NO_RESPONSE in outcomes:
            return EngagementStatus.NO_CONTACT
        return EngagementStatus.NOT_APPROPRIATE

    def described(self) -> str:
        """In a sentence, e.g. 'The child: took part; the parents or carers: not invited (why)'."""
        parts = [
            f"{who}: {CONTACT_WORDS[outcome]}" + (f" ({reason.rstrip('. ')})" if reason else "")
            for who, outcome, reason in (
                ("the child", self.child, self.child_reason),
                ("the parents or carers", self.parents, self.parents_reason),
            )
        ]
        text = "; ".join(parts)
        return text[0].upper() + text[1:]

    def why_not(self) -> str | None:
        """The whole contact's reason (`FamilyEngagement.reason`) when nobody took part."""
        return None if self.status == EngagementStatus.VIEWS_OBTAINED else self.described()


def outcome_errors(values: dict[str, str | None]) -> dict[str, str]:
    """Problems with the outcome form, by field: an outcome for the child and for the parents
    or carers, a reason when one was not invited, the views in brief when someone took part."""
    errors = {}
    for who, choices in (("child", CHILD_OUTCOMES), ("parents", PARENTS_OUTCOMES)):
        outcome = values.get(who)
        if outcome not in choices:
            errors[who] = CHOICE_NEEDED[who]
        elif outcome == ContactOutcome.NOT_INVITED and _short(values, f"{who}_reason"):
            errors[f"{who}_reason"] = REASON_NEEDED[who]
    engaged = ContactOutcome.ENGAGED in (values.get("child"), values.get("parents"))
    if engaged and _short(values, "summary"):
        errors["summary"] = "Please write their views, in brief (a sentence is enough)."
    return errors


def _short(values: dict[str, str | None], field: str) -> bool:
    return len((values.get(field) or "").strip()) < MIN_TEXT


def contact_outcomes(values: dict[str, str | None]) -> ContactOutcomes:
    """The outcomes of a valid form; a reason given for someone who took part is dropped."""

    def reason(who: str) -> str | None:
        if values[who] == ContactOutcome.ENGAGED:
            return None
        return (values.get(f"{who}_reason") or "").strip() or None

    child, parents = ContactOutcome(values["child"]), ContactOutcome(values["parents"])
    engaged = ContactOutcome.ENGAGED in (child, parents)
    return ContactOutcomes(
        child=child,
        child_reason=reason("child"),
        parents=parents,
        parents_reason=reason("parents"),
        summary=(values.get("summary") or "").strip() if engaged else None,
    )


@on_submit(FamilyEngagement, key="engagement_id", field="child", missing=STALE_BUTTON)
def submit_outcome_form(
    uow: UnitOfWork, engagement: FamilyEngagement, form: Submission
) -> Reply | None:
    """Record how the child and the parents or carers took part; the engagement is locked and
    must still be planned, so a second submit records nothing more."""
    errors = outcome_errors(form.values)
    if errors:
        return Reply(errors=errors)
    _require_planned(uow, engagement)
    session, now = uow.session, uow.now
    outcomes = contact_outcomes(form.values)
    engagement.status = outcomes.status
    engagement.summary = outcomes.summary
    engagement.reason = outcomes.why_not()
    engagement.child_outcome = outcomes.child
    engagement.child_reason = outcomes.child_reason
    engagement.parents_outcome = outcomes.parents
    engagement.parents_reason = outcomes.parents_reason
    engagement.updated_at = now
    session.add(engagement)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action=f"engagement.{engagement.status}",
        subject=f"selection:{engagement.selection_id}",
        now=now,
        child=outcomes.child,
        parents=outcomes.parents,
    )
    selection = session.get(Selection, engagement.selection_id)
    prompt_key = f"engagement:{engagement.id}:outcome:{engagement.planned_on}"
    queue_update(
        session,
        key=f"{prompt_key}:answered",
        update_of=prompt_key,
        message=_outcome_prompt(session, engagement, answered=outcomes.described()),
        concern=f"engagement:{engagement.id}",
        now=now,
    )
    refresh_selection_message(
        session, uow.services, selection, f"engagement:{engagement.id}:{engagement.status}", now
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
    due = [
        engagement
        for engagement in planned
        if keys[engagement.id] not in asked
        and engagement_prompt_due(engagement.planned_on, now, tick.policy, tick.calendar)
    ]
    loaded = load_selections(session, (engagement.selection_id for engagement in due))
    queued = 0
    for engagement in due:
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
    del loaded
    return queued


def _outcome_prompt(session: Session, engagement: FamilyEngagement, answered: str | None) -> dict:
    case = session.get(Case, session.get(Selection, engagement.selection_id).case_id)
    return render(
        "engagement_outcome_prompt",
        engagement=engagement,
        case=case,
        method=METHODS[engagement.method].lower(),
        answered=answered,
    )


def _require_planned(uow: UnitOfWork, engagement: FamilyEngagement) -> None:
    selection = uow.session.get(Selection, engagement.selection_id)
    require_managed_selection(uow.session, uow.actor, selection, uow.now)
    if engagement.status != EngagementStatus.PLANNED:
        raise InvalidRequest("The outcome of this contact is already recorded.")
