"""The IRO's or child protection conference chair's feedback as its own part of the audit
(Sefton: "We also incorporated feedback from the child/family/IRO/CP Chair into the form").

For the case types `framework.iro_feedback` names, the audit's last step asks who the IRO or
chair is (or why they are not asked). When the audit is submitted they are sent a DM about that
one case; its button opens a short form for their feedback and their view of the grade, which is
kept with the audit, told to the auditor and shown in the audit record. A request still
unanswered after the policy's working days is reminded once."""

from __future__ import annotations

import json

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.audit.actions import case_of
from bot.core import auditlog
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.policy.schema import FrameworkPolicy
from bot.rounds.messages import framework_for_selection
from messages import render
from models import Audit, Case, Staff
from models.iro_feedback import GIVEN, NO_VIEW, REQUESTED, IroFeedback
from models.statuses import StaffStatus

MIN_REASON = 10
MIN_FEEDBACK = 20
ONLY_THE_IRO = "Only the IRO or conference chair asked for this feedback can give it."
NO_VIEW_LABEL = "I would rather not give a grade"


def asks_iro(framework: FrameworkPolicy, case: Case) -> bool:
    """Whether this audit has the IRO's or chair's part: the policy's case types only."""
    part = framework.iro_feedback
    return part.enabled and case.case_type in part.case_types


def iro_errors(session: Session, values: dict, auditor: Staff) -> dict[str, str]:
    """The last step's IRO part: someone on the staff list other than the auditor, or a reason
    for not asking anyone."""
    chosen = values.get("iro")
    if chosen:
        iro = _active_staff(session, chosen)
        if iro is None:
            return {"iro": "That person is not on the staff list: choose the IRO or chair there."}
        if iro.id == auditor.id:
            return {"iro": "Choose the IRO or conference chair, not yourself."}
        return {}
    if len((values.get("iro_not_asked") or "").strip()) < MIN_REASON:
        return {
            "iro_not_asked": "Choose the IRO or conference chair to ask, or say why they are "
            "not being asked."
        }
    return {}


def request_iro_feedback(uow: UnitOfWork, audit: Audit, values: dict) -> IroFeedback | None:
    """At submission: ask the chosen IRO or chair by DM (nothing when none was chosen)."""
    session, now = uow.session, uow.now
    iro = _active_staff(session, values.get("iro"))
    if iro is None:
        return None
    request = IroFeedback(
        audit_id=audit.id, iro_id=iro.id, requested_by_id=uow.actor.id, requested_at=now
    )
    session.add(request)
    session.flush()
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="iro_feedback.request",
        subject=f"audit:{audit.id}",
        now=now,
        iro=iro.email,
    )
    queue_dm(
        session,
        key=_request_key(request),
        recipient=iro,
        message=_request_message(session, request, reminder=False),
        concern=f"iro_feedback:{request.id}",
        now=now,
    )
    return request


@on_click(IroFeedback, missing=ONLY_THE_IRO)
def open_iro_feedback_form(uow: UnitOfWork, request: IroFeedback) -> Reply:
    _require_open_for_iro(uow, request)
    audit = uow.session.get(Audit, request.audit_id)
    return Reply(
        view=render(
            "iro_feedback_modal",
            private_metadata=json.dumps({"iro_feedback_id": request.id}),
            case=case_of(uow.session, audit),
            auditor=uow.session.get(Staff, request.requested_by_id),
            grades=_framework(uow, audit).grades,
            no_view=(NO_VIEW, NO_VIEW_LABEL),
            min_length=MIN_FEEDBACK,
        )
    )


@on_submit(IroFeedback, key="iro_feedback_id", missing=ONLY_THE_IRO)
def submit_iro_feedback(uow: UnitOfWork, request: IroFeedback, form: Submission) -> Reply | None:
    feedback = form.text("feedback").strip()
    if len(feedback) < MIN_FEEDBACK:
        return Reply.error(
            "feedback", "Please write your feedback: a few sentences on the child's plan."
        )
    session, now = uow.session, uow.now
    audit = session.get(Audit, request.audit_id)
    grades = _framework(uow, audit).grades
    grade_view = form.values.get("grade_view") if grades else None
    if grades and grade_view not in (*grades, NO_VIEW):
        return Reply.error("grade_view", "Please choose the grade you would give, or none.")
    acting = _require_open_for_iro(uow, request)
    session.execute(
        update(IroFeedback)
        .where(col(IroFeedback.id) == request.id)
        .values(
            status=GIVEN,
            feedback=feedback,
            grade_view=grade_view,
            given_at=now,
            given_by_id=uow.actor.id,
        )
    )
    session.refresh(request)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="iro_feedback.give",
        subject=f"audit:{audit.id}",
        now=now,
        grade_view=grade_view,
    )
    case = case_of(session, audit)
    context = {
        "request": request,
        "case": case,
        "audit": audit,
        "iro": acting.owner,
        "on_behalf": acting.note,
        "grade_view": None if grade_view in (None, NO_VIEW) else grade_view,
    }
    queue_dm(
        session,
        key=f"iro_feedback:{request.id}:given",
        recipient=session.get(Staff, request.requested_by_id),
        message=render("iro_feedback_given_dm", audience="auditor", **context),
        concern=f"iro_feedback:{request.id}",
        now=now,
    )
    for key in (_request_key(request), _reminder_key(request)):
        queue_update(
            session,
            key=f"{key}:given",
            update_of=key,
            message=render("iro_feedback_given_dm", audience="iro", **context),
            concern=f"iro_feedback:{request.id}",
            now=now,
        )
    return None


def remind_iro_feedback(session: Session, tick: Tick) -> int:
    """Remind, once, each IRO whose feedback is still not given the policy's working days after
    it was asked (in working hours). The audit's own framework says how long."""
    calendar, now = tick.calendar, tick.now
    if not calendar.is_working_time(now):
        return 0
    waiting = session.exec(select(IroFeedback).where(IroFeedback.status == REQUESTED)).all()
    queued = 0
    for request in waiting:
        audit = session.get(Audit, request.audit_id)
        days = framework_for_selection(
            session, tick.policy, audit.selection_id
        ).iro_feedback.remind_after_working_days
        if not days:
            continue
        asked_on = calendar.local(request.requested_at).date()
        if calendar.local(now).date() < calendar.add_working_days(asked_on, days):
            continue
        iro = session.get(Staff, request.iro_id)
        if not iro.is_active:
            continue
        queue_dm(
            session,
            key=_reminder_key(request),
            recipient=iro,
            message=_request_message(session, request, reminder=True),
            concern=f"iro_feedback:{request.id}",
            now=now,
        )
        queued += 1
    return queued


def _require_open_for_iro(uow: UnitOfWork, request: IroFeedback) -> Acting:
    acting = require_acting_for(
        uow.session, uow.actor, request.iro_id, now=uow.now, refusal=ONLY_THE_IRO
    )
    if request.status == GIVEN:
        raise InvalidRequest("Your feedback on this case is already recorded: thank you.")
    return acting


def _request_message(session: Session, request: IroFeedback, *, reminder: bool) -> dict:
    audit = session.get(Audit, request.audit_id)
    return render(
        "iro_request_dm",
        request=request,
        case=case_of(session, audit),
        auditor=session.get(Staff, request.requested_by_id),
        reminder=reminder,
    )


def _request_key(request: IroFeedback) -> str:
    return f"iro_feedback:{request.id}:requested"


def _reminder_key(request: IroFeedback) -> str:
    return f"iro_feedback:{request.id}:reminder"


def _framework(uow: UnitOfWork, audit: Audit) -> FrameworkPolicy:
    return framework_for_selection(uow.session, uow.policy, audit.selection_id)


def _active_staff(session: Session, slack_user_id: str | None) -> Staff | None:
    if not slack_user_id:
        return None
    return session.exec(
        select(Staff).where(
            Staff.slack_user_id == slack_user_id, Staff.status == StaffStatus.ACTIVE
        )
    ).first()
