"""Extensions: a team manager asks for more time for an audit, with a reason (the selection
DM's "Ask for more time"). Up to the policy's limit in working days it is granted at once and
the service manager is told; a longer one goes to the service manager to approve or refuse (a
refusal needs a reason), and the team manager is told either way. A granted or approved
extension moves the selection's due date, so chasing and the monthly report use it; the report
also counts extensions."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from bot.chasing.nudges import ladder_person
from bot.core import auditlog
from bot.core.actor import STALE_BUTTON, parse_id, require_actor, require_managed_selection
from bot.core.cover import covers_for
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.services import Services
from bot.extensions.rules import (
    MIN_REASON,
    extension_errors,
    more_time_refusal,
    needs_approval,
)
from bot.selection.manager_message import refresh_selection_message, selection_month
from bot.selection.redraw import Reply
from messages import plain_date, render
from models import Audit, Case, Extension, Selection, Staff
from models.db import lock_row, transaction
from models.extension import waiting_for_decision

ALREADY_DECIDED = "This request has already been decided: see the latest message."


def open_extension_form(services: Services, slack_user_id: str, selection_id: str) -> Reply:
    try:
        with services.make_session() as session:
            actor = require_actor(session, slack_user_id)
            selection = require_managed_selection(
                session, actor, parse_id(selection_id), services.now()
            )
            _check_open(session, selection)
            return Reply(view=_form(session, services, selection))
    except AuditbotError as error:
        return Reply(text=str(error))


def _check_open(session: Session, selection: Selection) -> None:
    audit = session.exec(select(Audit).where(Audit.selection_id == selection.id)).first()
    refusal = more_time_refusal(
        submitted=audit is not None and audit.status == "submitted",
        waiting=selection.id in waiting_for_decision(session, [selection.id]),
    )
    if refusal is not None:
        raise InvalidRequest(refusal)


def _form(session: Session, services: Services, selection: Selection) -> dict[str, Any]:
    limit = services.policy.audit.extension_limit_working_days
    return render(
        "extension_modal",
        case_ref=session.get(Case, selection.case_id).case_ref,
        due_on=selection.due_on,
        initial_date=services.calendar.add_working_days(selection.due_on, max(limit, 1)),
        limit=limit,
        min_reason=MIN_REASON,
        private_metadata=json.dumps({"selection_id": selection.id}),
    )


def submit_extension_form(
    services: Services, slack_user_id: str, private_metadata: str, values: dict[str, Any]
) -> dict[str, str] | None:
    """Grant or ask; inline errors by block id, or None when done."""
    now = services.now()
    reason = (values.get("reason") or "").strip()
    try:
        with transaction(services.make_session) as session:
            selection_id = int(json.loads(private_metadata)["selection_id"])
            lock_row(session, Selection, selection_id)  # two quick submissions: one request
            actor = require_actor(session, slack_user_id)
            selection = require_managed_selection(session, actor, selection_id, now)
            _check_open(session, selection)
            new_due_on = _date(values.get("until"))
            errors = extension_errors(new_due_on, selection.due_on, reason, services.calendar)
            if errors:
                return errors
            decider = _service_manager(session, selection)
            extension = _record(session, services, selection, actor, decider, new_due_on, reason)
            _announce(session, services, extension, now)
    except AuditbotError as error:
        return {"reason": str(error)}
    services.deliver_soon()
    return None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _service_manager(session: Session, selection: Selection) -> Staff:
    manager = session.get(Staff, selection.manager_id)
    decider = ladder_person(session, manager, "service_manager")
    if decider is None:
        raise InvalidRequest(
            "There is no service manager above you on the staff list to decide this: "
            "please ask your audit administrator."
        )
    return decider


def _record(
    session: Session,
    services: Services,
    selection: Selection,
    actor: Staff,
    decider: Staff,
    new_due_on: date,
    reason: str,
) -> Extension:
    now = services.now()
    working_days = services.calendar.working_days_between(selection.due_on, new_due_on)
    limit = services.policy.audit.extension_limit_working_days
    extension = Extension(
        selection_id=selection.id,
        requested_by_id=actor.id,
        decider_id=decider.id,
        reason=reason,
        old_due_on=selection.due_on,
        new_due_on=new_due_on,
        working_days=working_days,
        status="pending" if needs_approval(working_days, limit) else "granted",
        created_at=now,
    )
    session.add(extension)
    session.flush()
    auditlog.record(
        session,
        actor=actor.email,
        action=f"extension.{extension.status}",
        subject=f"selection:{selection.id}",
        now=now,
        new_due_on=new_due_on.isoformat(),
        working_days=working_days,
    )
    if extension.status == "granted":
        _move_due_date(session, services, selection, extension, now)
    return extension


def _move_due_date(
    session: Session,
    services: Services,
    selection: Selection,
    extension: Extension,
    now: datetime,
) -> None:
    selection.due_on = extension.new_due_on
    session.add(selection)
    refresh_selection_message(session, services, selection, f"extension:{extension.id}", now)


def _context(session: Session, extension: Extension, **more: Any) -> dict[str, Any]:
    selection = session.get(Selection, extension.selection_id)
    return {
        "extension": extension,
        "case_ref": session.get(Case, selection.case_id).case_ref,
        "month": selection_month(session, selection).label,
        "manager": session.get(Staff, selection.manager_id),
        "decider": session.get(Staff, extension.decider_id),
        **more,
    }


def _announce(session: Session, services: Services, extension: Extension, now: datetime) -> None:
    """Within the limit the service manager is told; beyond it they are asked to decide."""
    kind = "ask" if extension.status == "pending" else "granted"
    _queue_extension_dm(session, extension, extension.decider_id, kind, now)


def _queue_extension_dm(
    session: Session, extension: Extension, recipient_id: int, kind: str, now: datetime
) -> None:
    queue_dm(
        session,
        key=f"extension:{extension.id}:{kind}",
        recipient=session.get(Staff, recipient_id),
        message=render("extension_dm", **_context(session, extension, kind=kind)),
        concern=f"extension:{extension.id}",
        now=now,
    )


# -- the service manager's decision ----------------------------------------------------------


def approve_extension(services: Services, slack_user_id: str, extension_id: str) -> Reply:
    try:
        with transaction(services.make_session) as session:
            extension = _decide(session, services, slack_user_id, extension_id, "approved")
            case_ref = _case_ref(session, extension)
    except AuditbotError as error:
        return Reply(text=str(error))
    services.deliver_soon()
    return Reply(
        text=f"Approved: the audit of {case_ref} is now due by "
        f"{plain_date(extension.new_due_on)}. The team manager is told."
    )


def _case_ref(session: Session, extension: Extension) -> str:
    selection = session.get(Selection, extension.selection_id)
    return session.get(Case, selection.case_id).case_ref


def open_refusal_form(services: Services, slack_user_id: str, extension_id: str) -> Reply:
    try:
        with services.make_session() as session:
            extension = _decidable(session, services, slack_user_id, extension_id)
            prompt = (
                f"Refuse the request for more time for the audit of "
                f"*{_case_ref(session, extension)}*. The team manager is told your reason."
            )
    except AuditbotError as error:
        return Reply(text=str(error))
    return Reply(
        view=render(
            "reason_modal",
            callback_id="extension.refuse",
            private_metadata=json.dumps({"extension_id": extension.id}),
            title="Refuse more time",
            submit="Refuse",
            prompt=prompt,
            label="Why not?",
            hint="The team manager sees this.",
            min_length=MIN_REASON,
        )
    )


def submit_refusal(
    services: Services, slack_user_id: str, private_metadata: str, reason: str
) -> dict[str, str] | None:
    if len(reason.strip()) < MIN_REASON:
        return {"reason": f"Say why (at least {MIN_REASON} characters): the team manager sees it."}
    try:
        with transaction(services.make_session) as session:
            extension_id = str(json.loads(private_metadata)["extension_id"])
            _decide(session, services, slack_user_id, extension_id, "refused", reason.strip())
    except AuditbotError as error:
        return {"reason": str(error)}
    services.deliver_soon()
    return None


def _decidable(
    session: Session, services: Services, slack_user_id: str, extension_id: str
) -> Extension:
    actor = require_actor(session, slack_user_id)
    extension = session.get(Extension, parse_id(extension_id))
    if extension is None:
        raise InvalidRequest(STALE_BUTTON)
    if actor.id != extension.decider_id and not covers_for(
        session, actor, extension.decider_id, services.now()
    ):
        raise NotAllowed("Only the service manager asked can decide this request.")
    if extension.status != "pending":
        raise InvalidRequest(ALREADY_DECIDED)
    return extension


def _decide(
    session: Session,
    services: Services,
    slack_user_id: str,
    extension_id: str,
    outcome: str,
    refusal_reason: str | None = None,
) -> Extension:
    """Record the decision, move the due date when approved, tell the team manager and show
    the decision in the request DM."""
    lock_row(session, Extension, parse_id(extension_id))  # approve and refuse at once: one wins
    extension = _decidable(session, services, slack_user_id, extension_id)
    now = services.now()
    extension.status = outcome
    extension.refusal_reason = refusal_reason
    extension.decided_by = require_actor(session, slack_user_id).email
    extension.decided_at = now
    session.add(extension)
    auditlog.record(
        session,
        actor=extension.decided_by,
        action=f"extension.{outcome}",
        subject=f"extension:{extension.id}",
        now=now,
    )
    selection = session.get(Selection, extension.selection_id)
    if outcome == "approved":
        _move_due_date(session, services, selection, extension, now)
    _queue_extension_dm(session, extension, selection.manager_id, outcome, now)
    queue_update(
        session,
        key=f"extension:{extension.id}:ask:{outcome}",
        update_of=f"extension:{extension.id}:ask",
        message=render("extension_dm", **_context(session, extension, kind="decided")),
        concern=f"extension:{extension.id}",
        now=now,
    )
    return extension
