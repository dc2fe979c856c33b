"""An inadmissible audit: a submitted audit the auditor or a moderator found unusable (wrong case
type, file incomplete, case transferred). It still counts as done in the volume figures; the
briefing leaves it out of the grades and of the analysis.

The auditor marks it from the button on their audit's result DM (a form: the reason, and a note,
required for "other"); an administrator may also type `/audit inadmissible CASE_REF REASON
[note]`. Only the auditor, the service manager and head of service of the case's team manager,
and administrators may. Once marked, the result DM says so (its button gone), and the service
manager is told by DM; marking it again changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.audit.actions import case_of
from bot.audit.case_line import case_line, stands_behind
from bot.audit.form import _summary_context
from bot.core import auditlog
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.rounds.messages import framework_for_selection
from messages import escape_mrkdwn, plain_date, render
from models import Audit, AuditAction, Case, Selection, Staff, Team
from models.statuses import AuditStatus, InadmissibleReason

REASON_LABELS = {
    InadmissibleReason.WRONG_CASE_TYPE: "Wrong case type",
    InadmissibleReason.FILE_INCOMPLETE: "File incomplete",
    InadmissibleReason.CASE_TRANSFERRED: "Case transferred",
    InadmissibleReason.OTHER: "Other",
}
MIN_OTHER_NOTE = 10
NOT_ENTITLED = (
    "Sorry, only the auditor, the service manager or head of service of the case's team manager "
    "and administrators can mark this audit inadmissible. Nothing has been changed."
)


def mark_inadmissible(
    session: Session,
    audit: Audit,
    *,
    reason: str,
    note: str | None,
    by: Staff,
    now: datetime,
) -> bool:
    """Mark a submitted audit inadmissible; False (nothing changed) if it already is."""
    if audit.status != AuditStatus.SUBMITTED:
        raise InvalidRequest("Only a submitted audit can be marked inadmissible.")
    if reason not in InadmissibleReason.__members__.values():
        raise InvalidRequest(f"{reason!r} is not a reason an audit can be inadmissible for.")
    if audit.is_inadmissible:
        return False
    audit.inadmissible_reason = reason
    audit.inadmissible_note = " ".join((note or "").split()) or None
    audit.inadmissible_by = by.id
    audit.inadmissible_at = now
    session.add(audit)
    auditlog.record(
        session,
        actor=by.email,
        action="audit.inadmissible",
        subject=f"audit:{audit.id}",
        now=now,
        reason=reason,
    )
    return True


def reason_problems(reason: str | None, note: str | None) -> dict[str, str]:
    """What is wrong with a reason and note, by form block ("reason", "note")."""
    if reason not in REASON_LABELS:
        return {"reason": "Please choose why the audit is inadmissible."}
    written = len(" ".join((note or "").split()))
    if reason == InadmissibleReason.OTHER and written < MIN_OTHER_NOTE:
        return {
            "note": f'For "other", please say why in at least {MIN_OTHER_NOTE} characters '
            f"({written} so far)."
        }
    return {}


# -- from the result DM: a button, then a form ----------------------------------------------------


@on_click(Audit)
def open_inadmissible_form(uow: UnitOfWork, audit: Audit) -> Reply:
    _require_entitled(uow, audit)
    if audit.is_inadmissible:
        return Reply.say(_already(uow.session, audit))
    return Reply(
        view=render(
            "audit_inadmissible_modal",
            case=case_of(uow.session, audit),
            reasons=list(REASON_LABELS.items()),
            min_note=MIN_OTHER_NOTE,
            private_metadata=json.dumps({"audit_id": audit.id}),
        )
    )


@on_submit(Audit, key="audit_id")
def submit_inadmissible(uow: UnitOfWork, audit: Audit, form: Submission) -> Reply | None:
    """Mark it (the audit is locked: a double submission or Slack's retry marks it once)."""
    _require_entitled(uow, audit)
    reason, note = form.values.get("reason"), form.text("note")
    problems = reason_problems(reason, note)
    if problems:
        return Reply(errors=problems)
    mark_and_tell(uow, audit, reason, note)
    return None


# -- by command, for administrators ---------------------------------------------------------------


def mark_case_inadmissible(uow: UnitOfWork, case_ref: str, reason: str, note: str | None) -> str:
    """`/audit inadmissible CASE_REF REASON [note]`: the case's latest submitted audit."""
    problem = next(iter(reason_problems(reason, note).values()), None)
    if problem:
        raise InvalidRequest(problem)
    session = uow.session
    audit_id = session.exec(
        select(Audit.id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
        .where(Case.case_ref == case_ref, Audit.status == AuditStatus.SUBMITTED)
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
    ).first()
    shown = escape_mrkdwn(case_ref)
    if audit_id is None:
        raise InvalidRequest(f"{shown} has no submitted audit: nothing has been changed.")
    audit = uow.lock(Audit, audit_id)
    _require_entitled(uow, audit)
    if not mark_and_tell(uow, audit, reason, note):
        return _already(session, audit)
    auditor = session.get(Staff, audit.manager_id)
    return (
        f"The audit of *{shown}* by {escape_mrkdwn(auditor.name)} (submitted "
        f"{plain_date(uow.calendar.local(audit.submitted_at).date())}) is marked inadmissible: "
        f"{REASON_LABELS[reason]}. It counts as done and is left out of the grades; the auditor's "
        "result message says so and the service manager has been told."
    )


# -- marked, and who is told ----------------------------------------------------------------------


def mark_and_tell(uow: UnitOfWork, audit: Audit, reason: str, note: str | None) -> bool:
    """Mark the audit for the person acting; update the auditor's result DM and tell the
    service manager (and the auditor, when someone else marked it). False: it already was."""
    session, actor, now = uow.session, uow.actor, uow.now
    if not mark_inadmissible(session, audit, reason=reason, note=note, by=actor, now=now):
        return False
    context = inadmissible_context(uow, audit)
    queue_update(
        session,
        key=f"audit:{audit.id}:manager:inadmissible",
        update_of=f"audit:{audit.id}:manager",
        message=render("audit_result_dm", audience="manager", **context),
        concern=f"audit:{audit.id}",
        now=now,
    )
    for person in _told(session, audit, actor):
        queue_dm(
            session,
            key=f"audit:{audit.id}:inadmissible:{person.id}",
            recipient=person,
            message=render("audit_inadmissible_dm", reader=person, **context),
            concern=f"audit:{audit.id}",
            now=now,
        )
    return True


def inadmissible_context(uow: UnitOfWork, audit: Audit) -> dict[str, Any]:
    """The result DM's context, with who marked the audit inadmissible, why and when."""
    session = uow.session
    framework = framework_for_selection(session, uow.policy, audit.selection_id)
    case = case_of(session, audit)
    actions = session.exec(
        select(AuditAction)
        .where(AuditAction.audit_id == audit.id, col(AuditAction.reaudit_id).is_(None))
        .order_by(col(AuditAction.id))
    ).all()
    return _summary_context(session, framework, audit, case, list(actions)) | {
        "team": session.get(Team, case.team_id),
        "inadmissible": {
            "label": REASON_LABELS[audit.inadmissible_reason],
            "note": audit.inadmissible_note,
            "by": session.get(Staff, audit.inadmissible_by),
            "on": uow.calendar.local(audit.inadmissible_at).date(),
        },
    }


def _told(session: Session, audit: Audit, actor: Staff) -> list[Staff]:
    """The service manager of the case's team manager's line (its head of service where there
    is none), and the auditor when someone else marked it; never the person who did."""
    line = case_line(session, audit)
    told = [p for p in line if p.has_role("service_manager")] or [
        p for p in line if p.has_role("head_of_service")
    ]
    people = {p.id: p for p in [*told, session.get(Staff, audit.manager_id)]}
    return [p for p in people.values() if p.id != actor.id and p.is_active]


def _require_entitled(uow: UnitOfWork, audit: Audit) -> None:
    if not stands_behind(uow.session, uow.actor, audit):
        raise NotAllowed(NOT_ENTITLED)
    if audit.status != AuditStatus.SUBMITTED:
        raise InvalidRequest("Only a submitted audit can be marked inadmissible.")


def _already(session: Session, audit: Audit) -> str:
    by = session.get(Staff, audit.inadmissible_by)
    return (
        f"{escape_mrkdwn(by.name)} already marked this audit of "
        f"{escape_mrkdwn(case_of(session, audit).case_ref)} inadmissible "
        f"({REASON_LABELS[audit.inadmissible_reason]}): nothing has been changed."
    )
