"""The re-audit: a modal that shows the moderator each domain's original grade and
justification, step by step as in the audit, saving a draft at every step; submitted exactly
once, beside the original audit, which is never changed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from bot.audit.form import (
    FormResult,
    active_slack_ids,
    create_actions,
    queue_action_dm,
)
from bot.audit.rules import action_rows, domain_steps, step_count, with_step_answers
from bot.core import auditlog
from bot.core.actor import parse_id, require_actor
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.services import Services
from bot.policy.schema import FrameworkPolicy
from bot.reaudit.messages import (
    Original,
    audit_actions,
    is_annual,
    queue_outcome_messages,
    refresh_moderator_message,
)
from bot.reaudit.rules import (
    ADDRESSED,
    NONE_SET,
    VERDICTS,
    final_errors,
    first_incomplete_step,
    moved,
    verdict_errors,
)
from bot.selection.redraw import Reply
from messages import render
from models import ModeratedJudgement, Reaudit, Staff
from models.db import transaction

ALREADY_SUBMITTED = "This re-audit has already been submitted: it can't be changed now."
ONLY_THE_MODERATOR = "Only the moderator this re-audit was given to can do that."


def open_reaudit(services: Services, slack_user_id: str, reaudit_id: str) -> Reply:
    """Start the re-audit, or resume it at the first step with a missing answer."""
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            reaudit = _own_draft(session, slack_user_id, reaudit_id)
            if reaudit.status == "drawn":
                _start(session, services, reaudit, now)
            original = Original.of(session, reaudit)
            step = first_incomplete_step(
                services.policy.framework, reaudit.answers, original.audit.answers
            )
            return Reply(view=_step_view(session, services, reaudit, step))
    except AuditbotError as error:
        return Reply(text=str(error))


def _start(session: Session, services: Services, reaudit: Reaudit, now: datetime) -> None:
    started = session.execute(
        update(Reaudit)
        .where(col(Reaudit.id) == reaudit.id, Reaudit.status == "drawn")
        .values(status="started", updated_at=now)
    ).rowcount
    session.refresh(reaudit)
    if started != 1:  # a quick second click started it meanwhile
        return
    moderator = session.get(Staff, reaudit.moderator_id)
    auditlog.record(
        session,
        actor=moderator.email,
        action="reaudit.start",
        subject=f"reaudit:{reaudit.id}",
        now=now,
    )
    refresh_moderator_message(session, services.policy, reaudit, "started", now)


def submit_step(
    services: Services, slack_user_id: str, private_metadata: str, values: dict[str, str | None]
) -> FormResult:
    """Save this step; move on to the next one, or submit the re-audit after the last."""
    metadata = json.loads(private_metadata)
    framework = services.policy.framework
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            reaudit = _own_draft(session, slack_user_id, metadata["reaudit_id"])
            step = int(metadata["step"])
            _save_answers(reaudit, framework, step, values, now)
            if step < len(domain_steps(framework)):
                errors = _domain_step_errors(session, framework, reaudit, step)
                if errors:
                    return FormResult(errors=errors)
                return FormResult(next_view=_step_view(session, services, reaudit, step + 1))
            errors = _final_step_errors(session, services, reaudit, values, now)
            if errors:
                return FormResult(errors=errors)
            _submit(session, services, reaudit, values, now)
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
            reaudit = _own_draft(session, slack_user_id, metadata["reaudit_id"])
            _save_answers(
                reaudit, services.policy.framework, int(metadata["step"]), values, services.now()
            )
    except AuditbotError:
        return  # submitted meanwhile, or not theirs: nothing to keep


def _own_draft(session: Session, slack_user_id: str, reaudit_id: str | int) -> Reaudit:
    actor = require_actor(session, slack_user_id)
    reaudit = session.get(Reaudit, parse_id(reaudit_id))
    if reaudit is None or reaudit.moderator_id != actor.id:
        raise NotAllowed(ONLY_THE_MODERATOR)
    if reaudit.status == "submitted":
        raise InvalidRequest(ALREADY_SUBMITTED)
    return reaudit


def _save_answers(
    reaudit: Reaudit,
    framework: FrameworkPolicy,
    step: int,
    values: dict[str, str | None],
    now: datetime,
) -> None:
    reaudit.answers = with_step_answers(reaudit.answers, framework, step, values, _moderated)
    reaudit.updated_at = now


def _moderated(domain_id: str, values: dict[str, str | None]) -> dict[str, Any]:
    return {
        "verdict": values.get(f"verdict__{domain_id}"),
        "grade": values.get(f"grade__{domain_id}"),
        "reason": (values.get(f"why__{domain_id}") or "").strip(),
    }


def _domain_step_errors(
    session: Session, framework: FrameworkPolicy, reaudit: Reaudit, step: int
) -> dict[str, str]:
    original = Original.of(session, reaudit).audit.answers
    errors: dict[str, str] = {}
    for domain in domain_steps(framework)[step]:
        grade = (original.get(domain.id) or {}).get("grade")
        errors |= verdict_errors(framework, domain, grade, reaudit.answers[domain.id])
    return errors


def _final_step_errors(
    session: Session,
    services: Services,
    reaudit: Reaudit,
    values: dict[str, str | None],
    now: datetime,
) -> dict[str, str]:
    framework = services.policy.framework
    original = Original.of(session, reaudit)
    incomplete = first_incomplete_step(framework, reaudit.answers, original.audit.answers)
    if incomplete < len(domain_steps(framework)):
        return {"comment": f"Step {incomplete + 1} still has a missing answer: please resume it."}
    actions = action_rows(values, services.policy.audit.action_slots)
    return final_errors(
        values,
        actions,
        audit_had_actions=bool(audit_actions(session, original.audit.id)),
        today=services.calendar.local(now).date(),
        owner_known=active_slack_ids(session, actions),
    )


def _submit(
    session: Session,
    services: Services,
    reaudit: Reaudit,
    values: dict[str, str | None],
    now: datetime,
) -> None:
    """Freeze the re-audit (compare-and-set, so a double click submits once), store the
    moderated judgements beside the audit, set any new actions and tell people."""
    original = Original.of(session, reaudit)
    had_actions = bool(audit_actions(session, original.audit.id))
    changed = session.execute(
        update(Reaudit)
        .where(col(Reaudit.id) == reaudit.id, Reaudit.status != "submitted")
        .values(
            status="submitted",
            submitted_at=now,
            answers=reaudit.answers,
            actions_addressed=values.get("addressed") if had_actions else NONE_SET,
            comment=(values.get("comment") or "").strip(),
            updated_at=now,
        )
    ).rowcount
    if changed != 1:
        raise InvalidRequest(ALREADY_SUBMITTED)
    session.refresh(reaudit)
    judgements = _record_judgements(session, services.policy.framework, reaudit, original)
    actions = create_actions(
        session,
        original.audit.id,
        action_rows(values, services.policy.audit.action_slots),
        now,
        reaudit_id=reaudit.id,
    )
    moderator = session.get(Staff, reaudit.moderator_id)
    auditlog.record(
        session,
        actor=moderator.email,
        action="reaudit.submit",
        subject=f"reaudit:{reaudit.id}",
        now=now,
        disagreed=[j.domain_id for j in judgements if not j.agreed],
        actions=[a.id for a in actions],
    )
    queue_outcome_messages(session, services.policy, reaudit, judgements, actions, now)
    for action in actions:
        queue_action_dm(session, services, action, original.case, now)
    refresh_moderator_message(session, services.policy, reaudit, "submitted", now)


def _record_judgements(
    session: Session, framework: FrameworkPolicy, reaudit: Reaudit, original: Original
) -> list[ModeratedJudgement]:
    judgements = []
    for domain in framework.domains:
        answer = reaudit.answers[domain.id]
        original_grade = (original.audit.answers.get(domain.id) or {}).get("grade")
        agreed = answer["verdict"] == "agree"
        moderated_grade = None if agreed else answer.get("grade")
        judgements.append(
            ModeratedJudgement(
                reaudit_id=reaudit.id,
                domain_id=domain.id,
                original_grade=original_grade,
                agreed=agreed,
                moderated_grade=moderated_grade,
                reason=None if agreed else answer["reason"],
                moved=moved(framework.grades, original_grade, moderated_grade),
            )
        )
    session.add_all(judgements)
    session.flush()
    return judgements


def _first_block(metadata: dict, framework: FrameworkPolicy) -> str:
    step = int(metadata.get("step", 0))
    steps = domain_steps(framework)
    return f"verdict__{steps[step][0].id}" if step < len(steps) else "comment"


def _step_view(session: Session, services: Services, reaudit: Reaudit, step: int) -> dict[str, Any]:
    framework = services.policy.framework
    original = Original.of(session, reaudit)
    common = {
        "private_metadata": json.dumps({"reaudit_id": reaudit.id, "step": step}),
        "step_number": step + 1,
        "steps": step_count(framework),
        "case": original.case,
        "framework": framework,
        "verdicts": VERDICTS,
        "title": "Moderation" if is_annual(session, reaudit) else "Re-audit",
    }
    if step < len(domain_steps(framework)):
        return render(
            "reaudit_step_modal",
            domains=domain_steps(framework)[step],
            original=original.audit.answers,
            answers=reaudit.answers,
            **common,
        )
    return render(
        "reaudit_final_modal",
        final=reaudit.answers.get("final", {}),
        audit=original.audit,
        actions=audit_actions(session, original.audit.id),
        addressed=ADDRESSED,
        practitioner=original.practitioner,
        slots=range(1, services.policy.audit.action_slots + 1),
        **common,
    )
