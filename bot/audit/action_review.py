"""The manager's reviews of an audit's actions (Bolton: "reviewed within 1 month, and again the
following month"). With `audit.action_review_months` (e.g. [1, 2]) the manager who made the
audit is asked by DM, that many months after it, how each of its actions stands: done, in
progress or not started, with a note. Each review is asked for once (one row per audit and
month, and its DM's key), recorded once, and shown in the audit's record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.cover import Acting, acting_for
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.months import Month
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from messages import plain_date, render
from models import ActionProgress, ActionReview, Audit, AuditAction, Case, Selection, Staff
from models.statuses import AuditStatus

PROGRESS = {"done": "Done", "in_progress": "In progress", "not_started": "Not started"}
MIN_NOTE = 10
MAX_ACTIONS = 30  # a form of 3 blocks each stays within Slack's 100; audits set far fewer
NOT_YOURS = "Only the manager asked for this review, or their cover while they are away, can."


# -- when a review is due -------------------------------------------------------------------------


def review_due_on(audited_on: date, months: int, calendar: WorkingCalendar) -> date:
    """The working day on or after the same day `months` later (the month's last day when
    shorter: 31 January + 1 month is 28 February)."""
    month = Month.of(audited_on).plus(months)
    day = min(audited_on.day, month.last_day.day)
    return calendar.working_day_on_or_after(date(month.year, month.month, day))


def reviews_due(
    audited_on: date, months: list[int], today: date, calendar: WorkingCalendar
) -> list[int]:
    """Which reviews of an audit are to be asked for today: each from its day until the next
    one's (so turning reviews on later asks only for the one now current, not every old one)."""
    due = []
    for index, month in enumerate(months):
        after = months[index + 1] if index + 1 < len(months) else month + 1
        if (
            review_due_on(audited_on, month, calendar)
            <= today
            < review_due_on(audited_on, after, calendar)
        ):
            due.append(month)
    return due


def review_errors(
    action_ids: list[int], progress: dict[int, str | None], notes: dict[int, str]
) -> dict[str, str]:
    """Each action needs its progress; one not done needs a note saying where it stands."""
    errors = {}
    for action_id in action_ids:
        if progress.get(action_id) not in PROGRESS:
            errors[f"progress_{action_id}"] = "Please say how this action stands."
        elif progress[action_id] != "done" and len(notes.get(action_id, "")) < MIN_NOTE:
            errors[f"note_{action_id}"] = (
                f"Please add a note (at least {MIN_NOTE} characters): what is happening, or what "
                "is in the way."
            )
    return errors


# -- asking for them (a scheduled job) ------------------------------------------------------------


def prompt_action_reviews(session: Session, tick: Tick) -> int:
    """Ask each audit's manager for the reviews due today, on working days from the actions'
    reminder time; how many were asked for."""
    months, calendar, now = tick.policy.audit.action_review_months, tick.calendar, tick.now
    if not months or not calendar.is_working_time(now):
        return 0
    if tick.local_now.time() < tick.policy.audit.action_reminder_time:
        return 0
    today = tick.today
    since = calendar.at(Month.of(today).plus(-(max(months) + 1)).first_day, time(0, 0))
    audits = session.exec(
        select(Audit)
        .where(Audit.status == AuditStatus.SUBMITTED, col(Audit.inadmissible_reason).is_(None))
        .where(col(Audit.submitted_at) >= since)
        .where(col(Audit.id).in_(select(AuditAction.audit_id)))
        .order_by(col(Audit.id))
    ).all()
    asked = {
        (row.audit_id, row.months_after)
        for row in session.exec(
            select(ActionReview).where(col(ActionReview.audit_id).in_([a.id for a in audits]))
        )
    }
    queued = 0
    for audit in audits:
        audited_on = calendar.local(audit.submitted_at).date()
        manager = session.get(Staff, audit.manager_id)
        for month in reviews_due(audited_on, months, today, calendar):
            if (audit.id, month) in asked or not manager.is_active:
                continue
            review = ActionReview(
                audit_id=audit.id,
                months_after=month,
                due_on=review_due_on(audited_on, month, calendar),
                reviewer_id=manager.id,
                prompted_at=now,
            )
            session.add(review)
            session.flush()
            queue_dm(
                session,
                key=prompt_key(review),
                recipient=manager,
                message=render("action_review_dm", **review_context(session, review, calendar)),
                concern=f"audit:{audit.id}",
                now=now,
            )
            queued += 1
    return queued


def prompt_key(review: ActionReview) -> str:
    return f"action-review:{review.audit_id}:{review.months_after}"


# -- the review's form ----------------------------------------------------------------------------


@on_click(ActionReview)
def open_action_review_form(uow: UnitOfWork, review: ActionReview) -> Reply:
    _require_open_for_reviewer(uow, review)
    context = review_context(uow.session, review, uow.calendar)
    return Reply(
        view=render(
            "action_review_modal",
            **context,
            progress_choices=PROGRESS,
            private_metadata=json.dumps({"action_review_id": review.id}),
        )
    )


def _first_field(form: Submission, _error: Exception) -> str:
    first = next((block for block in form.values if block.startswith("progress_")), None)
    return first or "progress"


@on_submit(ActionReview, key="action_review_id", field=_first_field)
def submit_action_review(uow: UnitOfWork, review: ActionReview, form: Submission) -> Reply | None:
    """Record how each action stands, once (the review is locked: a double submit records
    once), and show it on the review's DM."""
    acting = _require_open_for_reviewer(uow, review)
    action_ids = [action.id for action in _actions(uow.session, review.audit_id)]
    progress = {i: form.values.get(f"progress_{i}") for i in action_ids}
    notes = {i: form.text(f"note_{i}").strip() for i in action_ids}
    errors = review_errors(action_ids, progress, notes)
    if errors:
        return Reply(errors=errors)
    for action_id in action_ids:
        uow.session.add(
            ActionProgress(
                review_id=review.id, action_id=action_id, progress=progress[action_id],
                note=notes[action_id] or None, recorded_at=uow.now,
            )
        )  # fmt: skip
    review.completed_at, review.completed_by_id = uow.now, acting.actor.id
    uow.session.add(review)
    uow.session.flush()
    auditlog.record(
        uow.session, actor=acting.actor.email, action="action_review.done",
        subject=f"actionreview:{review.id}", now=uow.now,
        progress={str(i): progress[i] for i in action_ids},
    )  # fmt: skip
    queue_update(
        uow.session,
        key=f"{prompt_key(review)}:done",
        update_of=prompt_key(review),
        message=render("action_review_dm", **review_context(uow.session, review, uow.calendar)),
        concern=f"audit:{review.audit_id}",
        now=uow.now,
    )
    return None


def _require_open_for_reviewer(uow: UnitOfWork, review: ActionReview) -> Acting:
    acting = acting_for(uow.session, uow.actor, review.reviewer_id, now=uow.now)
    if acting is None:
        raise NotAllowed(NOT_YOURS)
    if review.completed_at is not None:
        by = uow.session.get(Staff, review.completed_by_id)
        day = plain_date(uow.calendar.local(review.completed_at).date())
        raise InvalidRequest(f"{by.name} recorded this review on {day}.")
    return acting


# -- what the DM, the form and the audit's record show ---------------------------------------------


@dataclass(frozen=True)
class ReviewedAction:
    action: AuditAction
    owner: Staff
    progress: ActionProgress | None


def _actions(session: Session, audit_id: int) -> list[AuditAction]:
    return list(
        session.exec(
            select(AuditAction)
            .where(AuditAction.audit_id == audit_id)
            .order_by(AuditAction.id)
            .limit(MAX_ACTIONS)
        ).all()
    )


def reviewed_actions(session: Session, review: ActionReview) -> list[ReviewedAction]:
    found = {
        row.action_id: row
        for row in session.exec(select(ActionProgress).where(ActionProgress.review_id == review.id))
    }
    return [
        ReviewedAction(action, session.get(Staff, action.owner_id), found.get(action.id))
        for action in _actions(session, review.audit_id)
    ]


def review_context(
    session: Session, review: ActionReview, calendar: WorkingCalendar
) -> dict[str, Any]:
    audit = session.get(Audit, review.audit_id)
    case = session.get(Case, session.get(Selection, audit.selection_id).case_id)
    completed_by = session.get(Staff, review.completed_by_id) if review.completed_by_id else None
    return {
        "review": review,
        "case": case,
        "audited_on": calendar.local(audit.submitted_at).date(),
        "actions": reviewed_actions(session, review),
        "progress_words": PROGRESS,
        "completed_by": completed_by,
        "completed_on": calendar.local(review.completed_at).date() if review.completed_at else None,
    }


def action_reviews_of(session: Session, audit_id: int) -> list[ActionReview]:
    """An audit's reviews, in the order they were asked for."""
    return list(
        session.exec(
            select(ActionReview)
            .where(ActionReview.audit_id == audit_id)
            .order_by(ActionReview.months_after)
        ).all()
    )
