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

from bot.core import auditlog
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.line import ladder_person
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.extensions.rules import (
    MIN_REASON,
    extension_errors,
    more_time_refusal,
    needs_approval,
)
from bot.selection.access import ONLY_THE_MANAGER, require_managed_selection
from bot.selection.manager_message import refresh_selection_message, selection_month
from messages import plain_date, render
from models import Audit, Case, Extension, Selection, Staff
from models.extension import waiting_for_decision
from models.statuses import AuditStatus, ExtensionStatus

ALREADY_DECIDED = "This request has already been decided: see the latest message."
ONLY_THE_DECIDER = "Only the service manager asked can decide this request."


@on_click(Selection, missing=ONLY_THE_MANAGER)
def open_extension_form(uow: UnitOfWork, selection: Selection) -> Reply:
    require_managed_selection(uow.session, uow.actor, selection, uow.now)
    _check_open(uow, selection)
    return Reply(view=_form(uow, selection))


def _check_open(uow: UnitOfWork, selection: Selection) -> None:
    session = uow.session
    audit = session.exec(select(Audit).where(Audit.selection_id == selection.id)).first()
    refusal = more_time_refusal(
        submitted=audit is not None and audit.status == AuditStatus.SUBMITTED,
        waiting=selection.id in waiting_for_decision(session, [selection.id]),
        enabled=uow.policy.audit.extensions_enabled,
    )
    if refusal is not None:
        raise InvalidRequest(refusal)


def _form(uow: UnitOfWork, selection: Selection) -> dict[str, Any]:
    limit = uow.policy.audit.extension_limit_working_days
    cap = uow.policy.audit.extension_max_working_days
    suggested = max(limit, 1) if cap is None else min(max(limit, 1), cap)
    return render(
        "extension_modal",
        case_ref=uow.session.get(Case, selection.case_id).case_ref,
        due_on=selection.due_on,
        initial_date=uow.calendar.add_working_days(selection.due_on, suggested),
        limit=limit,
        latest_on=None if cap is None else uow.calendar.add_working_days(selection.due_on, cap),
        min_reason=MIN_REASON,
        private_metadata=json.dumps({"selection_id": selection.id}),
    )


@on_submit(Selection, key="selection_id", missing=ONLY_THE_MANAGER)
def submit_extension_form(uow: UnitOfWork, selection: Selection, form: Submission) -> Reply | None:
    """Grant or ask (the selection is locked: two quick submissions make one request)."""
    session = uow.session
    reason = form.text("reason").strip()
    require_managed_selection(session, uow.actor, selection, uow.now)
    _check_open(uow, selection)
    new_due_on = _date(form.values.get("until"))
    errors = extension_errors(
        new_due_on,
        selection.due_on,
        reason,
        uow.calendar,
        uow.policy.audit.extension_max_working_days,
    )
    if errors:
        return Reply(errors=errors)
    decider = _service_manager(session, selection)
    extension = _record(uow, selection, decider, new_due_on, reason)
    _announce(session, extension, uow.now)
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
    uow: UnitOfWork, selection: Selection, decider: Staff, new_due_on: date, reason: str
) -> Extension:
    session, now = uow.session, uow.now
    working_days = uow.calendar.working_days_between(selection.due_on, new_due_on)
    limit = uow.policy.audit.extension_limit_working_days
    extension = Extension(
        selection_id=selection.id,
        requested_by_id=uow.actor.id,
        decider_id=decider.id,
        reason=reason,
        old_due_on=selection.due_on,
        new_due_on=new_due_on,
        working_days=working_days,
        status=ExtensionStatus.PENDING
        if needs_approval(working_days, limit)
        else ExtensionStatus.GRANTED,
        created_at=now,
    )
    session.add(extension)
    session.flush()
    auditlog.record(
        session,
        actor=uow.actor.email,
        action=f"extension.{extension.status}",
        subject=f"selection:{selection.id}",
        now=now,
        new_due_on=new_due_on.isoformat(),
        working_days=working_days,
    )
    if extension.status == ExtensionStatus.GRANTED:
        _move_due_date(uow, selection, extension)
    return extension


def _move_due_date(uow: UnitOfWork, selection: Selection, extension: Extension) -> None:
    selection.due_on = extension.new_due_on
    uow.session.add(selection)
    refresh_selection_message(
        uow.session, uow.services, selection, f"extension:{extension.id}", uow.now
    )


def _context(session: Session, extension: Extension, **more: Any) -> dict[str, Any]:
    selection = session.get(Selection, extension.selection_id)
    return {
        "extension": extension,
        "case_ref": session.get(Case, selection.case_id).case_ref,
        "month": selection_month(session, selection).label,
        "manager": session.get(Staff, selection.manager_id),
        "decider": session.get(Staff, extension.decider_id),
        "on_behalf": _on_behalf_note(session, extension),
        **more,
    }


def _on_behalf_note(session: Session, extension: Extension) -> str:
    """ "Done by … on behalf of … (away)" once the service manager's cover decided."""
    decider = session.get(Staff, extension.decider_id)
    if extension.decided_by in (None, decider.email):
        return ""
    cover = session.exec(select(Staff).where(Staff.email == extension.decided_by)).first()
    return Acting(cover, decider).note if cover is not None else ""


def _announce(session: Session, extension: Extension, now: datetime) -> None:
    """Within the limit the service manager is told; beyond it they are asked to decide."""
    kind = "ask" if extension.status == ExtensionStatus.PENDING else "granted"
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


@on_click(Extension)
def approve_extension(uow: UnitOfWork, extension: Extension) -> Reply:
    _decide(uow, extension, ExtensionStatus.APPROVED)
    return Reply.say(
        f"Approved: the audit of {_case_ref(uow.session, extension)} is now due by "
        f"{plain_date(extension.new_due_on)}. The team manager is told."
    )


def _case_ref(session: Session, extension: Extension) -> str:
    selection = session.get(Selection, extension.selection_id)
    return session.get(Case, selection.case_id).case_ref


@on_click(Extension)
def open_refusal_form(uow: UnitOfWork, extension: Extension) -> Reply:
    _require_decidable(uow, extension)
    prompt = (
        f"Refuse the request for more time for the audit of "
        f"*{_case_ref(uow.session, extension)}*. The team manager is told your reason."
    )
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


@on_submit(Extension, key="extension_id")
def submit_refusal(uow: UnitOfWork, extension: Extension, form: Submission) -> Reply | None:
    reason = form.text("reason").strip()
    if len(reason) < MIN_REASON:
        return Reply.error(
            "reason", f"Say why (at least {MIN_REASON} characters): the team manager sees it."
        )
    _decide(uow, extension, ExtensionStatus.REFUSED, reason)
    return None


def _require_decidable(uow: UnitOfWork, extension: Extension) -> None:
    """The service manager asked, or their cover while they are away, until it is decided."""
    require_acting_for(
        uow.session, uow.actor, extension.decider_id, now=uow.now, refusal=ONLY_THE_DECIDER
    )
    if extension.status != ExtensionStatus.PENDING:
        raise InvalidRequest(ALREADY_DECIDED)


def _decide(
    uow: UnitOfWork, extension: Extension, outcome: str, refusal_reason: str | None = None
) -> None:
    """Record the decision, move the due date when approved, tell the team manager and show
    the decision in the request DM. The request is locked: approve and refuse at once, one wins."""
    _require_decidable(uow, extension)
    session, now = uow.session, uow.now
    extension.status = outcome
    extension.refusal_reason = refusal_reason
    extension.decided_by = uow.actor.email
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
    if outcome == ExtensionStatus.APPROVED:
        _move_due_date(uow, selection, extension)
    _queue_extension_dm(session, extension, selection.manager_id, outcome, now)
    queue_update(
        session,
        key=f"extension:{extension.id}:ask:{outcome}",
        update_of=f"extension:{extension.id}:ask",
        message=render("extension_dm", **_context(session, extension, kind="decided")),
        concern=f"extension:{extension.id}",
        now=now,
    )
