"""The guided audit: a modal that walks the team manager through the framework step by step,
saving a draft at every step, then submits exactly once and tells everyone who must know."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.audit.rules import (
    CONCERNS,
    ActionRow,
    action_rows,
    domain_errors,
    domain_steps,
    final_errors,
    first_incomplete_step,
    step_count,
    with_step_answers,
)
from bot.core import auditlog
from bot.core.actor import require_actor, require_managed_selection
from bot.core.errors import AuditbotError, InvalidRequest
from bot.core.outbox import queue_dm
from bot.core.services import Services
from bot.policy.schema import FrameworkPolicy
from bot.rounds.messages import (
    framework_for_selection,
    refresh_after_audit_change,
    round_case_manager,
)
from bot.selection.manager_message import CASE_TYPE_NAMES, refresh_selection_message
from bot.selection.redraw import Reply
from messages import render
from models import Audit, AuditAction, Case, Reaudit, SafeguardingAlert, Selection, Staff
from models.audit import audit_for
from models.booking import engagement_for
from models.db import transaction

ALREADY_SUBMITTED = "This audit has already been submitted: it can't be changed now."


@dataclass(frozen=True)
class FormResult:
    """What a form submission leads to: errors on fields, the next step, or done (neither)."""

    errors: dict[str, str] | None = None
    next_view: dict[str, Any] | None = None


def open_audit(services: Services, slack_user_id: str, selection_id: str) -> Reply:
    """Start the audit, or resume it at the first step with a missing answer."""
    try:
        return _open_audit(services, slack_user_id, selection_id)
    except IntegrityError:  # two quick clicks both started it: open the one that exists
        return _open_audit(services, slack_user_id, selection_id)


def _open_audit(services: Services, slack_user_id: str, selection_id: str) -> Reply:
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            selection = require_managed_selection(session, actor, _id(selection_id), now)
            audit = audit_for(session, selection.id) or _start(session, services, selection, now)
            if audit.status != "draft":
                raise InvalidRequest(ALREADY_SUBMITTED)
            framework = framework_for_selection(session, services.policy, selection.id)
            step = first_incomplete_step(framework, audit.answers)
            return Reply(view=_step_view(session, services, audit, step))
    except AuditbotError as error:
        return Reply(text=str(error))


def _start(session: Session, services: Services, selection: Selection, now: datetime) -> Audit:
    audit = Audit(
        selection_id=selection.id,
        manager_id=selection.manager_id,
        framework=framework_for_selection(session, services.policy, selection.id).name,
        started_at=now,
        updated_at=now,
    )
    session.add(audit)
    session.flush()
    manager = session.get(Staff, selection.manager_id)
    auditlog.record(
        session, actor=manager.email, action="audit.start", subject=f"audit:{audit.id}", now=now
    )
    _refresh_case_message(session, services, selection, f"audit:{audit.id}:started", now)
    return audit


def submit_step(
    services: Services, slack_user_id: str, private_metadata: str, values: dict[str, str | None]
) -> FormResult:
    """Save this step; move on to the next one, or submit the audit after the last."""
    metadata = json.loads(private_metadata)
    framework = services.policy.framework
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            audit = _own_draft(session, slack_user_id, metadata["audit_id"], now)
            framework = framework_for_selection(session, services.policy, audit.selection_id)
            step = int(metadata["step"])
            _save_answers(audit, framework, step, values, now)
            if step < len(domain_steps(framework)):
                errors = _domain_step_errors(framework, step, values)
                if errors:
                    return FormResult(errors=errors)
                return FormResult(next_view=_step_view(session, services, audit, step + 1))
            errors = _final_step_errors(session, services, framework, audit, values, now)
            if errors:
                return FormResult(errors=errors)
            _submit(session, services, framework, audit, values, now)
    except AuditbotError as error:
        return FormResult(errors={_first_block(metadata, framework): str(error)})
    services.deliver_soon()
    return FormResult()


def save_closed_step(
    services: Services, slack_user_id: str, private_metadata: str, values: dict[str, str | None]
) -> None:
    """The form was closed: keep what was typed in this step, unchecked, for later."""
    metadata = json.loads(private_metadata)
    try:
        with transaction(services.make_session) as session:
            now = services.now()
            audit = _own_draft(session, slack_user_id, metadata["audit_id"], now)
            framework = framework_for_selection(session, services.policy, audit.selection_id)
            _save_answers(audit, framework, int(metadata["step"]), values, now)
    except AuditbotError:
        return  # submitted meanwhile, or not theirs: nothing to keep


def _own_draft(session: Session, slack_user_id: str, audit_id: int, now: datetime) -> Audit:
    actor = require_actor(session, slack_user_id)
    audit = session.get(Audit, int(audit_id))
    if audit is None:
        raise InvalidRequest("This audit no longer exists.")
    require_managed_selection(session, actor, audit.selection_id, now)
    if audit.status != "draft":
        raise InvalidRequest(ALREADY_SUBMITTED)
    return audit


def _save_answers(
    audit: Audit, framework, step: int, values: dict[str, str | None], now: datetime
) -> None:
    audit.answers = with_step_answers(audit.answers, framework, step, values, _graded_answer)
    audit.updated_at = now


def _graded_answer(domain_id: str, values: dict[str, str | None]) -> dict[str, Any]:
    return {
        "grade": values.get(f"grade__{domain_id}"),
        "justification": (values.get(f"why__{domain_id}") or "").strip(),
    }


def _domain_step_errors(framework, step: int, values: dict[str, str | None]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for domain in domain_steps(framework)[step]:
        errors |= domain_errors(
            framework, domain, values.get(f"grade__{domain.id}"), values.get(f"why__{domain.id}")
        )
    return errors


def _final_step_errors(
    session: Session,
    services: Services,
    framework: FrameworkPolicy,
    audit: Audit,
    values: dict[str, str | None],
    now: datetime,
) -> dict[str, str]:
    incomplete = first_incomplete_step(framework, audit.answers)
    if incomplete < len(domain_steps(framework)):
        return {"impact": f"Step {incomplete + 1} still has a missing answer: please resume it."}
    actions = action_rows(values, services.policy.audit.action_slots)
    return final_errors(
        framework,
        values,
        actions,
        today=services.calendar.local(now).date(),
        owner_known=active_slack_ids(session, actions),
    )


def active_slack_ids(session: Session, actions: list[ActionRow]) -> set[str]:
    """Which of the actions' owners are active staff."""
    owners = {a.owner_slack_id for a in actions if a.owner_slack_id}
    return set(
        session.exec(
            select(Staff.slack_user_id).where(
                col(Staff.slack_user_id).in_(owners), Staff.status == "active"
            )
        ).all()
    )


def _submit(
    session: Session,
    services: Services,
    framework: FrameworkPolicy,
    audit: Audit,
    values: dict[str, str | None],
    now: datetime,
) -> None:
    """Freeze the audit (compare-and-set, so a double click submits once) and tell people."""
    concern = values.get("concern") or "none"
    changed = session.execute(
        update(Audit)
        .where(col(Audit.id) == audit.id, Audit.status == "draft")
        .values(
            status="submitted",
            submitted_at=now,
            overall=values.get("overall"),
            concern=concern,
            answers=audit.answers,
            updated_at=now,
        )
    ).rowcount
    if changed != 1:
        raise InvalidRequest(ALREADY_SUBMITTED)
    session.refresh(audit)
    selection = session.get(Selection, audit.selection_id)
    case = session.get(Case, selection.case_id)
    manager = session.get(Staff, audit.manager_id)
    practitioner = session.get(Staff, case.worker_id)
    actions = create_actions(
        session, audit.id, action_rows(values, services.policy.audit.action_slots), now
    )
    auditlog.record(
        session,
        actor=manager.email,
        action="audit.submit",
        subject=f"audit:{audit.id}",
        now=now,
        overall=audit.overall,
        concern=concern,
        actions=[a.id for a in actions],
    )
    context = _summary_context(session, framework, audit, case, actions)
    queue_dm(
        session,
        key=f"audit:{audit.id}:practitioner",
        recipient=practitioner,
        message=render("audit_result_dm", audience="practitioner", **context),
        concern=f"audit:{audit.id}",
        now=now,
    )
    queue_dm(
        session,
        key=f"audit:{audit.id}:manager",
        recipient=manager,
        message=render("audit_result_dm", audience="manager", **context),
        concern=f"audit:{audit.id}",
        now=now,
    )
    for action in actions:
        queue_action_dm(session, services, action, case, now)
    if concern == "category_1":
        raise_safeguarding_alert(session, services, audit, values.get("concern_note") or "", now)
    _refresh_case_message(session, services, selection, f"audit:{audit.id}:submitted", now)


def _refresh_case_message(
    session: Session, services: Services, selection: Selection, change: str, now: datetime
) -> None:
    """Update the DM the audit was started from: a round's auditor DM, or the selection DM."""
    if not refresh_after_audit_change(session, services.policy, selection, change, now):
        refresh_selection_message(session, services, selection, change, now)


def create_actions(
    session: Session,
    audit_id: int,
    rows: list[ActionRow],
    now: datetime,
    reaudit_id: int | None = None,
) -> list[AuditAction]:
    """The SMART actions of an audit (or of a re-audit of it), tracked alike."""
    owners = {
        person.slack_user_id: person
        for person in session.exec(
            select(Staff).where(col(Staff.slack_user_id).in_([r.owner_slack_id for r in rows]))
        ).all()
    }
    actions = [
        AuditAction(
            audit_id=audit_id,
            reaudit_id=reaudit_id,
            what=row.what,
            owner_id=owners[row.owner_slack_id].id,
            due_on=row.due_on,
            created_at=now,
        )
        for row in rows
    ]
    session.add_all(actions)
    session.flush()
    return actions


def _summary_context(
    session: Session,
    framework: FrameworkPolicy,
    audit: Audit,
    case: Case,
    actions: list[AuditAction],
) -> dict[str, Any]:
    final = audit.answers.get("final", {})
    return {
        "audit": audit,
        "case": case,
        "case_type": CASE_TYPE_NAMES.get(case.case_type, case.case_type),
        "manager": session.get(Staff, audit.manager_id),
        "domains": [(domain, audit.answers.get(domain.id, {})) for domain in framework.domains],
        "graded": bool(framework.grades),
        "impact": final.get("impact", ""),
        "views": final.get("views", ""),
        "concern_label": CONCERNS[audit.concern],
        "actions": [(action, session.get(Staff, action.owner_id)) for action in actions],
        "no_actions": final.get("no_actions", ""),
    }


def queue_action_dm(
    session: Session, services: Services, action: AuditAction, case: Case, now: datetime
) -> None:
    queue_dm(
        session,
        key=f"action:{action.id}:assigned",
        recipient=session.get(Staff, action.owner_id),
        message=render_action_message(session, action, case, reminder=False),
        concern=f"action:{action.id}",
        now=now,
    )


def action_set_by(session: Session, action: AuditAction) -> Staff:
    """Who set the action: the moderator of a re-audit, or the manager who audited."""
    if action.reaudit_id is not None:
        return session.get(Staff, session.get(Reaudit, action.reaudit_id).moderator_id)
    return session.get(Staff, session.get(Audit, action.audit_id).manager_id)


def render_action_message(
    session: Session, action: AuditAction, case: Case, *, reminder: bool
) -> dict[str, Any]:
    return render(
        "action_dm",
        action=action,
        case=case,
        set_by=action_set_by(session, action),
        source="re-audit" if action.reaudit_id is not None else "audit",
        reminder=reminder,
    )


def raise_safeguarding_alert(
    session: Session, services: Services, audit: Audit, note: str, now: datetime
) -> SafeguardingAlert:
    alert = SafeguardingAlert(audit_id=audit.id, note=note.strip(), raised_at=now)
    session.add(alert)
    session.flush()
    manager = session.get(Staff, audit.manager_id)
    auditlog.record(
        session, actor=manager.email, action="alert.raise", subject=f"alert:{alert.id}", now=now
    )
    line = alert_recipients(session, manager)
    told = [p for p in round_case_manager(session, audit.selection_id) if p not in line]
    for person in line + told:
        queue_alert_dm(session, alert, person, round_=1, now=now)
    return alert


def alert_recipients(session: Session, manager: Staff) -> list[Staff]:
    """The team manager's service manager and head of service (by line management), or, where
    the line is not recorded, every active head of service."""
    service_manager = session.get(Staff, manager.manager_id) if manager.manager_id else None
    head = (
        session.get(Staff, service_manager.manager_id)
        if service_manager and service_manager.manager_id
        else None
    )
    people = [p for p in (service_manager, head) if p is not None and p.is_active]
    if not any(p.has_role("head_of_service") for p in people):
        people += [
            p
            for p in session.exec(select(Staff).where(Staff.status == "active")).all()
            if p.has_role("head_of_service") and p not in people
        ]
    return people


def queue_alert_dm(
    session: Session, alert: SafeguardingAlert, person: Staff, *, round_: int, now: datetime
) -> None:
    audit = session.get(Audit, alert.audit_id)
    selection = session.get(Selection, audit.selection_id)
    queue_dm(
        session,
        key=f"alert:{alert.id}:{round_}:{person.id}",
        recipient=person,
        message=render(
            "alert_dm",
            alert=alert,
            case=session.get(Case, selection.case_id),
            manager=session.get(Staff, audit.manager_id),
            round=round_,
        ),
        concern=f"alert:{alert.id}",
        now=now,
    )


def _id(text: str) -> int:
    if not str(text).isdigit():
        raise InvalidRequest("That button is not valid any more.")
    return int(text)


def _first_block(metadata: dict, framework) -> str:
    step = int(metadata.get("step", 0))
    steps = domain_steps(framework)
    return f"why__{steps[step][0].id}" if step < len(steps) else "impact"


def _step_view(session: Session, services: Services, audit: Audit, step: int) -> dict[str, Any]:
    selection = session.get(Selection, audit.selection_id)
    framework = framework_for_selection(session, services.policy, selection.id)
    case = session.get(Case, selection.case_id)
    practitioner = session.get(Staff, case.worker_id)
    common = {
        "private_metadata": json.dumps({"audit_id": audit.id, "step": step}),
        "step_number": step + 1,
        "steps": step_count(framework),
        "case": case,
        "framework": framework,
    }
    if step < len(domain_steps(framework)):
        return render(
            "audit_step_modal",
            domains=domain_steps(framework)[step],
            answers=audit.answers,
            **common,
        )
    final = audit.answers.get("final", {})
    return render(
        "audit_final_modal",
        final=final,
        views=final.get("views") or _views_from_engagement(session, selection),
        practitioner=practitioner,
        slots=range(1, services.policy.audit.action_slots + 1),
        concerns=CONCERNS,
        **common,
    )


def _views_from_engagement(session: Session, selection: Selection) -> str:
    engagement = engagement_for(session, selection.id)
    if engagement is None:
        return ""
    if engagement.status == "views_obtained":
        return engagement.summary or ""
    if engagement.status == "planned":
        return ""
    labels = {
        "not_appropriate": "Not sought: ",
        "declined": "Declined: ",
        "no_contact": "Could not be contacted: ",
    }
    return labels[engagement.status] + (engagement.reason or "")
