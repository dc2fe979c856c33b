"""The guided audit: a stepped form that walks the team manager through the framework, a group
of domains a step, keeping a draft at every step; submitted exactly once, and then everyone who
must know is told."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from bot.audit.actions import active_slack_ids, create_actions, queue_action_dm
from bot.audit.alerts import raise_safeguarding_alert
from bot.audit.inadequate import escalate_if_inadequate
from bot.audit.iro_feedback import asks_iro, iro_errors, request_iro_feedback
from bot.audit.parts import audit_part_lines
from bot.audit.rules import (
    CONCERNS,
    PARTICIPATION,
    action_rows,
    domain_errors,
    domain_steps,
    final_errors,
    first_incomplete_step,
    step_count,
    with_step_answers,
)
from bot.audit.supervision_gap import (
    asks_supervision_gap,
    gap_question,
    raise_supervision_gap,
    supervision_gap_errors,
)
from bot.core import auditlog
from bot.core.audit_events import audit_submitted
from bot.core.errors import InvalidRequest
from bot.core.outbox import queue_dm
from bot.core.replies import Reply
from bot.core.stepped_form import SteppedForm, Values
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from bot.policy.schema import FrameworkPolicy
from bot.rounds.messages import framework_for_selection, refresh_after_audit_change
from bot.selection.access import ONLY_THE_MANAGER, require_managed_selection
from bot.selection.manager_message import CASE_TYPE_NAMES, refresh_selection_message
from messages import render
from models import Audit, AuditAction, Case, FamilyEngagement, Selection, Staff
from models.audit import audit_for
from models.booking import engagement_for
from models.statuses import AuditStatus, ContactOutcome, EngagementStatus

# How the final step's views prefill words a child or parents who did not take part.
NOT_TAKING_PART = {
    ContactOutcome.INAPPROPRIATE: "not appropriate for their age or circumstances",
    ContactOutcome.NO_RESPONSE: "attempted, no response",
    ContactOutcome.NOT_INVITED: "not invited",
}
ALREADY_SUBMITTED = "This audit has already been submitted: it can't be changed now."


class AuditForm(SteppedForm[Audit]):
    callback_id = "audit.step"
    draft_model = Audit
    draft_key = "audit_id"
    missing = "This audit no longer exists."

    def admit(self, uow: UnitOfWork, audit: Audit) -> bool:
        selection = uow.session.get(Selection, audit.selection_id)
        require_managed_selection(uow.session, uow.actor, selection, uow.now)
        if audit.status != AuditStatus.DRAFT:
            raise InvalidRequest(ALREADY_SUBMITTED)
        return True

    def step_count(self, uow: UnitOfWork, audit: Audit) -> int:
        return step_count(_framework(uow, audit))

    def resume_at(self, uow: UnitOfWork, audit: Audit) -> int:
        return first_incomplete_step(_framework(uow, audit), audit.answers)

    def keep(self, uow: UnitOfWork, audit: Audit, step: int, values: Values) -> None:
        framework = _framework(uow, audit)
        audit.answers = with_step_answers(audit.answers, framework, step, values, _graded_answer)
        audit.updated_at = uow.now

    def problems(self, uow: UnitOfWork, audit: Audit, step: int, values: Values) -> dict[str, str]:
        framework = _framework(uow, audit)
        if step < len(domain_steps(framework)):
            return _domain_step_errors(framework, step, values)
        return _final_step_errors(uow, framework, audit, values)

    def finish(self, uow: UnitOfWork, audit: Audit, values: Values) -> None:
        _submit(uow, _framework(uow, audit), audit, values)

    def error_field(self, step: int, values: Values) -> str:
        return next((block for block in values if block.startswith("why__")), "impact")

    def view(self, uow: UnitOfWork, audit: Audit, step: int) -> dict[str, Any]:
        session = uow.session
        selection = session.get(Selection, audit.selection_id)
        framework = _framework(uow, audit)
        case = session.get(Case, selection.case_id)
        common = {
            "private_metadata": self.metadata_for(audit, step),
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
            practitioner=session.get(Staff, case.worker_id),
            discussion=(
                {"manager": _case_team_manager(session, case), "choices": PARTICIPATION}
                if _asks_who_took_part(uow, case)
                else None
            ),
            slots=range(1, uow.policy.audit.action_slots + 1),
            concerns=CONCERNS,
            asks_iro=asks_iro(framework, case),
            gap_question=gap_question(framework) if asks_supervision_gap(framework) else None,
            **common,
        )


AUDIT_FORM = AuditForm()


@on_click(Selection, missing=ONLY_THE_MANAGER)
def open_audit(uow: UnitOfWork, selection: Selection) -> Reply:
    """Start the audit, or resume it at the first step with a missing answer."""
    require_managed_selection(uow.session, uow.actor, selection, uow.now)
    audit = audit_for(uow.session, selection.id) or _start(uow, selection)
    if audit.status != AuditStatus.DRAFT:
        raise InvalidRequest(ALREADY_SUBMITTED)
    return AUDIT_FORM.show(uow, audit)


def _framework(uow: UnitOfWork, audit: Audit) -> FrameworkPolicy:
    return framework_for_selection(uow.session, uow.policy, audit.selection_id)


def _start(uow: UnitOfWork, selection: Selection) -> Audit:
    session, now = uow.session, uow.now
    audit = Audit(
        selection_id=selection.id,
        manager_id=selection.manager_id,
        framework=framework_for_selection(session, uow.policy, selection.id).name,
        started_at=now,
        updated_at=now,
    )
    session.add(audit)
    session.flush()
    manager = session.get(Staff, selection.manager_id)
    auditlog.record(
        session, actor=manager.email, action="audit.start", subject=f"audit:{audit.id}", now=now
    )
    _refresh_case_message(uow, selection, f"audit:{audit.id}:started")
    return audit


def _graded_answer(domain_id: str, values: Values) -> dict[str, Any]:
    return {
        "grade": values.get(f"grade__{domain_id}"),
        "justification": (values.get(f"why__{domain_id}") or "").strip(),
    }


def _domain_step_errors(framework: FrameworkPolicy, step: int, values: Values) -> dict[str, str]:
    errors: dict[str, str] = {}
    for domain in domain_steps(framework)[step]:
        errors |= domain_errors(
            framework, domain, values.get(f"grade__{domain.id}"), values.get(f"why__{domain.id}")
        )
    return errors


def _final_step_errors(
    uow: UnitOfWork, framework: FrameworkPolicy, audit: Audit, values: Values
) -> dict[str, str]:
    incomplete = first_incomplete_step(framework, audit.answers)
    if incomplete < len(domain_steps(framework)):
        return {"impact": f"Step {incomplete + 1} still has a missing answer: please resume it."}
    actions = action_rows(values, uow.policy.audit.action_slots)
    case = uow.session.get(Case, uow.session.get(Selection, audit.selection_id).case_id)
    errors = final_errors(
        framework,
        values,
        actions,
        today=uow.calendar.local(uow.now).date(),
        owner_known=active_slack_ids(uow.session, actions),
        asks_who_took_part=_asks_who_took_part(uow, case),
    )
    if asks_iro(framework, case):
        errors |= iro_errors(uow.session, values, uow.actor)
    if asks_supervision_gap(framework):
        today = uow.calendar.local(uow.now).date()
        errors |= supervision_gap_errors(framework, values, today=today)
    return errors


def _submit(uow: UnitOfWork, framework: FrameworkPolicy, audit: Audit, values: Values) -> None:
    """Freeze the audit and tell people (the draft is locked: a double click submits once)."""
    session, now = uow.session, uow.now
    concern = values.get("concern") or "none"
    selection = session.get(Selection, audit.selection_id)
    case = session.get(Case, selection.case_id)
    asked = _asks_who_took_part(uow, case)
    session.execute(
        update(Audit)
        .where(col(Audit.id) == audit.id)
        .values(
            status=AuditStatus.SUBMITTED,
            submitted_at=now,
            overall=values.get("overall"),
            concern=concern,
            answers=audit.answers,
            manager_engagement=values.get("manager_engagement") if asked else None,
            practitioner_engagement=values.get("practitioner_engagement") if asked else None,
            updated_at=now,
        )
    )
    session.refresh(audit)
    manager = session.get(Staff, audit.manager_id)
    practitioner = session.get(Staff, case.worker_id)
    actions = create_actions(
        session, audit.id, action_rows(values, uow.policy.audit.action_slots), now
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
    if asks_iro(framework, case):
        request_iro_feedback(uow, audit, values)
    if asks_supervision_gap(framework):
        raise_supervision_gap(uow, audit, values)
    context = _summary_context(session, framework, audit, case, actions)
    for audience, recipient in (("practitioner", practitioner), ("manager", manager)):
        queue_dm(
            session,
            key=f"audit:{audit.id}:{audience}",
            recipient=recipient,
            message=render("audit_result_dm", audience=audience, **context),
            concern=f"audit:{audit.id}",
            now=now,
        )
    for action in actions:
        queue_action_dm(session, action, case, now)
    if concern == "category_1":
        raise_safeguarding_alert(session, uow.tick, audit, values.get("concern_note") or "")
    escalate_if_inadequate(session, uow, audit, audit.overall)
    _refresh_case_message(uow, selection, f"audit:{audit.id}:submitted")
    audit_submitted(uow, audit)  # e.g. moderation of every audit (bot/reaudit/every_audit.py)


def _refresh_case_message(uow: UnitOfWork, selection: Selection, change: str) -> None:
    """Update the DM the audit was started from: a round's auditor DM, or the selection DM."""
    if not refresh_after_audit_change(uow.session, uow.policy, selection, change, uow.now):
        refresh_selection_message(uow.session, uow.services, selection, change, uow.now)


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
        "parts": audit_part_lines(session, audit),  # e.g. the IRO's feedback asked for
    }


def _views_from_engagement(session: Session, selection: Selection) -> str:
    engagement = engagement_for(session, selection.id)
    if engagement is None:
        return ""
    if engagement.status == EngagementStatus.VIEWS_OBTAINED:
        return " ".join([engagement.summary or "", *_who_did_not_take_part(engagement)]).strip()
    if engagement.status == EngagementStatus.PLANNED:
        return ""
    labels = {
        EngagementStatus.NOT_APPROPRIATE: "Not sought: ",
        EngagementStatus.DECLINED: "Declined: ",
        EngagementStatus.NO_CONTACT: "Could not be contacted: ",
    }
    return labels[engagement.status] + (engagement.reason or "")


def _who_did_not_take_part(engagement: FamilyEngagement) -> list[str]:
    """A sentence for the child or the parents or carers when only the other took part, e.g.
    'The parents or carers: not invited (why).'"""
    said = []
    for who, outcome, reason in (
        ("The child", engagement.child_outcome, engagement.child_reason),
        ("The parents or carers", engagement.parents_outcome, engagement.parents_reason),
    ):
        if outcome in NOT_TAKING_PART:
            said.append(
                f"{who}: {NOT_TAKING_PART[outcome]}"
                + (f" ({reason.rstrip('. ')})" if reason else "")
                + "."
            )
    return said


def _case_team_manager(session: Session, case: Case) -> Staff | None:
    """The case's team manager: the practitioner's own manager."""
    practitioner = session.get(Staff, case.worker_id)
    return session.get(Staff, practitioner.manager_id) if practitioner.manager_id else None


def _asks_who_took_part(uow: UnitOfWork, case: Case) -> bool:
    """Whether the person auditing is someone other than the case's team manager (a round's
    auditor, a head of service, or someone covering for an absent manager, whose audit is
    recorded under that manager), and so is asked whether the case's manager and practitioner
    took part in their discussion. A team manager auditing their own team's case is not."""
    auditor = uow.actor
    if uow.session.get(Staff, case.worker_id).manager_id == auditor.id:
        return False
    return not (auditor.has_role("team_manager") and auditor.team_id == case.team_id)
