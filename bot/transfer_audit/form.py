"""The transfer audit's form: "Audit the file" on the request DM opens it; the auditor (or their
cover while they are away) says whether the file is fit for purpose, gives an overall judgement
and why. It is recorded once, on the case's record in Auditbot, and the DM shows it."""

from __future__ import annotations

import json

from bot.core import auditlog
from bot.core.cover import Acting, acting_for
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.transfer_audit.request import request_key, transfer_audit_context
from bot.transfer_audit.rules import FIT, FIT_ANSWERS, transfer_audit_errors
from messages import plain_date, render
from models import Staff, TransferAudit
from models.transfer_audit import TransferAuditStatus

NOT_YOURS = "Only the manager asked to audit this file, or their cover while they are away, can."


@on_click(TransferAudit)
def open_transfer_audit_form(uow: UnitOfWork, audit: TransferAudit) -> Reply:
    _require_open_for_auditor(uow, audit)
    context = transfer_audit_context(uow.session, audit, uow.policy)
    return Reply(
        view=render(
            "transfer_audit_modal",
            **context,
            grades=uow.policy.framework.grades,
            fit_answers=FIT_ANSWERS,
            min_justification=uow.policy.framework.min_justification_chars,
            private_metadata=json.dumps({"transfer_audit_id": audit.id}),
        )
    )


@on_submit(TransferAudit, key="transfer_audit_id", field="justification")
def submit_transfer_audit(uow: UnitOfWork, audit: TransferAudit, form: Submission) -> Reply | None:
    """Record the judgement once (the row is locked: a double submit records it once)."""
    acting = _require_open_for_auditor(uow, audit)
    framework = uow.policy.framework
    fit, judgement = form.values.get("fit"), form.values.get("judgement")
    justification = form.text("justification").strip()
    errors = transfer_audit_errors(
        fit, judgement, justification,
        grades=framework.grades, min_justification=framework.min_justification_chars,
    )  # fmt: skip
    if errors:
        return Reply(errors=errors)
    audit.fit_for_purpose = fit == FIT
    audit.judgement = judgement if framework.grades else None
    audit.justification = justification
    audit.status = TransferAuditStatus.DONE
    audit.completed_at, audit.completed_by_id = uow.now, acting.actor.id
    uow.session.add(audit)
    uow.session.flush()
    auditlog.record(
        uow.session, actor=acting.actor.email, action="transfer_audit.done",
        subject=f"transferaudit:{audit.id}", now=uow.now,
        fit_for_purpose=audit.fit_for_purpose, judgement=audit.judgement,
    )  # fmt: skip
    queue_update(
        uow.session,
        key=f"transfer-audit:{audit.id}:done",
        update_of=request_key(audit),
        message=render(
            "transfer_audit_dm",
            **transfer_audit_context(uow.session, audit, uow.policy),
            completed_on=uow.calendar.local(uow.now).date(),
        ),
        concern=f"transferaudit:{audit.id}",
        now=uow.now,
    )
    return None


def _require_open_for_auditor(uow: UnitOfWork, audit: TransferAudit) -> Acting:
    acting = acting_for(uow.session, uow.actor, audit.auditor_id, now=uow.now)
    if acting is None:
        raise NotAllowed(NOT_YOURS)
    if audit.status == TransferAuditStatus.DONE:
        by = uow.session.get(Staff, audit.completed_by_id)
        day = plain_date(uow.calendar.local(audit.completed_at).date())
        raise InvalidRequest(f"{by.name} recorded this file's transfer audit on {day}.")
    return acting
