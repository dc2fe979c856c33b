"""A head of service reviews a case of concern and closes it: "Review" on the register (or on a
Category 1 alert, once someone is acting on it) opens a form with the concern, the audit's
actions and what was recorded so far; they write what has been done and, when it is resolved,
remove it from the register. A Category 1 closes once its alert is acknowledged; a Category 2
only when the audit's actions are all done. Who, when and what go in the review and the audit
log; on closing, the team manager who raised it and the line are told by DM."""

from __future__ import annotations

import json
from typing import Any

from bot.audit.alerts import alert_recipients
from bot.concerns.register import Concern, concern_of, may_close
from bot.core import auditlog
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from messages import plain_date, render
from models import Audit, Staff
from models.concern import ConcernReview

MIN_ACTIONS_TAKEN = 20
CLOSE = "close"
ONLY_A_HEAD = (
    "Only the head of service for this team manager can review and close a case of concern."
)


@on_click(Audit)
def open_review_form(uow: UnitOfWork, audit: Audit) -> Reply:
    concern = _reviewable(uow, audit)
    return Reply(view=render("concern_review_modal", **_form_context(uow, concern)))


@on_submit(Audit, key="audit_id", field="actions_taken")
def submit_review(uow: UnitOfWork, audit: Audit, form: Submission) -> Reply | None:
    """Record what was done; close the concern when asked and allowed (the audit is locked: two
    quick submissions record once)."""
    concern = _reviewable(uow, audit)
    actions_taken = form.text("actions_taken").strip()
    closing = CLOSE in (form.values.get(CLOSE) or [])
    errors = review_errors(concern, actions_taken, closing)
    if errors:
        return Reply(errors=errors)
    review = _record(uow, concern, actions_taken, closing)
    if closing:
        _tell_of_closure(uow, concern, review)
    return None


def _reviewable(uow: UnitOfWork, audit: Audit) -> Concern:
    concern = concern_of(uow.session, uow.calendar.timezone, audit)
    if concern is None:
        raise InvalidRequest("That audit raised no case of concern.")
    if not may_close(uow.session, uow.actor, concern):
        raise NotAllowed(ONLY_A_HEAD)
    if not concern.is_open:
        closer = uow.session.get(Staff, concern.review.closed_by)
        raise InvalidRequest(
            f"{closer.name} removed this case from the register on {plain_date(concern.closed_on)}."
        )
    return concern


def review_errors(concern: Concern, actions_taken: str, closing: bool) -> dict[str, str]:
    """What stops the review being recorded, by field."""
    if len(actions_taken) < MIN_ACTIONS_TAKEN:
        return {"actions_taken": "Please say what has been done: a sentence or two at least."}
    if not closing:
        return {}
    if concern.alert is not None and concern.alert.acknowledged_by is None:
        return {CLOSE: 'Nobody has said "I am acting on this" on its alert yet: do that first.'}
    open_actions = concern.actions_total - concern.actions_done
    if concern.audit.concern == "category_2" and open_actions:
        return {
            CLOSE: f"{open_actions} of the audit's {concern.actions_total} actions "
            f"{'is' if open_actions == 1 else 'are'} not done yet: a Category 2 concern stays "
            "on the register until they are. Save without ticking this to record the review."
        }
    return {}


def _record(uow: UnitOfWork, concern: Concern, actions_taken: str, closing: bool) -> ConcernReview:
    session, actor, now = uow.session, uow.actor, uow.now
    review = concern.review or ConcernReview(
        audit_id=concern.audit.id, actions_taken="", reviewed_by=actor.id, reviewed_at=now
    )
    review.actions_taken, review.reviewed_by, review.reviewed_at = actions_taken, actor.id, now
    if closing:
        review.closed_by, review.closed_at = actor.id, now
    session.add(review)
    session.flush()
    auditlog.record(
        session,
        actor=actor.email,
        action="concern.close" if closing else "concern.review",
        subject=f"audit:{concern.audit.id}",
        now=now,
        category=concern.audit.concern,
        actions_taken=actions_taken,
    )
    return review


def _tell_of_closure(uow: UnitOfWork, concern: Concern, review: ConcernReview) -> None:
    """The team manager who raised it, their line and the head who closed it, each by DM."""
    session = uow.session
    told = [concern.manager, *alert_recipients(session, concern.manager), uow.actor]
    for person in {person.id: person for person in told}.values():
        queue_dm(
            session,
            key=f"concern:{concern.audit.id}:closed:{person.id}",
            recipient=person,
            message=render(
                "concern_closed_dm",
                concern=concern,
                review=review,
                closed_by=uow.actor,
                closed_on=uow.calendar.local(review.closed_at).date(),
            ),
            concern=f"concern:{concern.audit.id}",
            now=uow.now,
        )


def _form_context(uow: UnitOfWork, concern: Concern) -> dict[str, Any]:
    reviewer = uow.session.get(Staff, concern.review.reviewed_by) if concern.review else None
    return {
        "concern": concern,
        "acknowledged_by": uow.session.get(Staff, concern.alert.acknowledged_by)
        if concern.alert and concern.alert.acknowledged_by
        else None,
        "reviewer": reviewer,
        "reviewed_on": uow.calendar.local(concern.review.reviewed_at).date() if reviewer else None,
        "min_actions": MIN_ACTIONS_TAKEN,
        "private_metadata": json.dumps({"audit_id": concern.audit.id}),
    }
