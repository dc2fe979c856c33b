"""The supervision file audit's form: "Audit the supervision file" on the request DM opens it;
the senior manager (or their cover while they are away) gives a grade, why and the actions
agreed with the team manager (or none). Recorded once; the team manager is told by DM."""

from __future__ import annotations

import json

from bot.core import auditlog
from bot.core.cover import Acting, acting_for
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.supervision_audit.asking import request_key, supervision_audit_context
from messages import plain_date, render
from models import Staff, SupervisionFileAudit

NOT_YOURS = "Only the manager asked for this audit, or their cover while they are away, can."


def supervision_audit_errors(
    grade: str | None, justification: str, *, grades: list[str], min_justification: int
) -> dict[str, str]:
    """A grade of the framework (when it has grades) and a justification long enough."""
    errors = {}
    if grades and grade not in grades:
        errors["grade"] = "Please choose a grade."
    if len(justification) < min_justification:
        errors["justification"] = (
            f"Please say why, in at least {min_justification} characters: the grade needs its "
            "reasons."
        )
    return errors


@on_click(SupervisionFileAudit)
def open_supervision_audit_form(uow: UnitOfWork, audit: SupervisionFileAudit) -> Reply:
    _require_open_for_auditor(uow, audit)
    framework = uow.policy.framework
    return Reply(
        view=render(
            "supervision_audit_modal",
            **supervision_audit_context(uow.session, audit, uow.policy),
            grades=framework.grades,
            min_justification=framework.min_justification_chars,
            private_metadata=json.dumps({"supervision_audit_id": audit.id}),
        )
    )


@on_submit(SupervisionFileAudit, key="supervision_audit_id", field="justification")
def submit_supervision_audit(
    uow: UnitOfWork, audit: SupervisionFileAudit, form: Submission
) -> Reply | None:
    """Record it once (the row is locked: a double submit records once); tell the team
    manager, and show it on the request DM."""
    acting = _require_open_for_auditor(uow, audit)
    framework = uow.policy.framework
    grade, justification = form.values.get("grade"), form.text("justification").strip()
    errors = supervision_audit_errors(
        grade, justification,
        grades=framework.grades, min_justification=framework.min_justification_chars,
    )  # fmt: skip
    if errors:
        return Reply(errors=errors)
    audit.grade = grade if framework.grades else None
    audit.justification = justification
    audit.actions = form.text("actions").strip() or None
    audit.completed_at, audit.completed_by_id = uow.now, acting.actor.id
    uow.session.add(audit)
    uow.session.flush()
    auditlog.record(
        uow.session, actor=acting.actor.email, action="supervision_audit.done",
        subject=f"supervisionfileaudit:{audit.id}", now=uow.now, grade=audit.grade,
    )  # fmt: skip
    context = supervision_audit_context(uow.session, audit, uow.policy)
    context["completed_on"] = uow.calendar.local(uow.now).date()
    queue_update(
        uow.session,
        key=f"{request_key(audit)}:done",
        update_of=request_key(audit),
        message=render("supervision_audit_dm", **context),
        concern=f"supervisionfileaudit:{audit.id}",
        now=uow.now,
    )
    queue_dm(
        uow.session,
        key=f"supervision-audit:{audit.year}:{audit.supervisor_id}:result",
        recipient=uow.session.get(Staff, audit.supervisor_id),
        message=render("supervision_audit_result_dm", **context),
        concern=f"supervisionfileaudit:{audit.id}",
        now=uow.now,
    )
    return None


def _require_open_for_auditor(uow: UnitOfWork, audit: SupervisionFileAudit) -> Acting:
    acting = acting_for(uow.session, uow.actor, audit.auditor_id, now=uow.now)
    if acting is None:
        raise NotAllowed(NOT_YOURS)
    if audit.is_done:
        by = uow.session.get(Staff, audit.completed_by_id)
        day = plain_date(uow.calendar.local(audit.completed_at).date())
        raise InvalidRequest(f"{by.name} recorded this supervision file audit on {day}.")
    return acting
