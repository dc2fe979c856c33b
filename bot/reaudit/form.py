"""The re-audit: a stepped form that shows the moderator each domain's original grade and
justification, a group of domains a step as in the audit, keeping a draft at every step;
submitted exactly once, beside the original audit, which is never changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col

from bot.audit.actions import active_slack_ids, create_actions, queue_action_dm
from bot.audit.rules import action_rows, domain_steps, step_count, with_step_answers
from bot.core import auditlog
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.replies import Reply
from bot.core.stepped_form import SteppedForm, Values
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
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
from messages import render
from models import ModeratedJudgement, Reaudit, Staff
from models.statuses import ReauditStatus

ALREADY_SUBMITTED = "This re-audit has already been submitted: it can't be changed now."
ONLY_THE_MODERATOR = "Only the moderator this re-audit was given to can do that."


class ReauditForm(SteppedForm[Reaudit]):
    callback_id = "reaudit.step"
    draft_model = Reaudit
    draft_key = "reaudit_id"
    missing = ONLY_THE_MODERATOR

    def admit(self, uow: UnitOfWork, reaudit: Reaudit) -> bool:
        if reaudit.moderator_id != uow.actor.id:
            raise NotAllowed(ONLY_THE_MODERATOR)
        if reaudit.status == ReauditStatus.SUBMITTED:
            raise InvalidRequest(ALREADY_SUBMITTED)
        return True

    def step_count(self, uow: UnitOfWork, reaudit: Reaudit) -> int:
        return step_count(uow.policy.framework)

    def resume_at(self, uow: UnitOfWork, reaudit: Reaudit) -> int:
        original = Original.of(uow.session, reaudit)
        return first_incomplete_step(uow.policy.framework, reaudit.answers, original.audit.answers)

    def keep(self, uow: UnitOfWork, reaudit: Reaudit, step: int, values: Values) -> None:
        framework = uow.policy.framework
        reaudit.answers = with_step_answers(reaudit.answers, framework, step, values, _moderated)
        reaudit.updated_at = uow.now

    def problems(
        self, uow: UnitOfWork, reaudit: Reaudit, step: int, values: Values
    ) -> dict[str, str]:
        framework = uow.policy.framework
        original = Original.of(uow.session, reaudit)
        if step < len(domain_steps(framework)):
            errors: dict[str, str] = {}
            for domain in domain_steps(framework)[step]:
                grade = (original.audit.answers.get(domain.id) or {}).get("grade")
                errors |= verdict_errors(framework, domain, grade, reaudit.answers[domain.id])
            return errors
        incomplete = first_incomplete_step(framework, reaudit.answers, original.audit.answers)
        if incomplete < len(domain_steps(framework)):
            return {
                "comment": f"Step {incomplete + 1} still has a missing answer: please resume it."
            }
        actions = action_rows(values, uow.policy.audit.action_slots)
        return final_errors(
            values,
            actions,
            audit_had_actions=bool(audit_actions(uow.session, original.audit.id)),
            today=uow.calendar.local(uow.now).date(),
            owner_known=active_slack_ids(uow.session, actions),
        )

    def finish(self, uow: UnitOfWork, reaudit: Reaudit, values: Values) -> None:
        _submit(uow, reaudit, values)

    def error_field(self, step: int, values: Values) -> str:
        return next((block for block in values if block.startswith("verdict__")), "comment")

    def view(self, uow: UnitOfWork, reaudit: Reaudit, step: int) -> dict[str, Any]:
        session, framework = uow.session, uow.policy.framework
        original = Original.of(session, reaudit)
        common = {
            "private_metadata": self.metadata_for(reaudit, step),
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
            slots=range(1, uow.policy.audit.action_slots + 1),
            **common,
        )


REAUDIT_FORM = ReauditForm()


@on_click(Reaudit, missing=ONLY_THE_MODERATOR)
def open_reaudit(uow: UnitOfWork, reaudit: Reaudit) -> Reply:
    """Start the re-audit, or resume it at the first step with a missing answer."""
    REAUDIT_FORM.admit(uow, reaudit)
    if reaudit.status == ReauditStatus.DRAWN:
        _start(uow, reaudit)
    return REAUDIT_FORM.show(uow, reaudit)


def _start(uow: UnitOfWork, reaudit: Reaudit) -> None:
    session, now = uow.session, uow.now
    reaudit.status = ReauditStatus.STARTED
    reaudit.updated_at = now
    session.add(reaudit)
    moderator = session.get(Staff, reaudit.moderator_id)
    auditlog.record(
        session,
        actor=moderator.email,
        action="reaudit.start",
        subject=f"reaudit:{reaudit.id}",
        now=now,
    )
    refresh_moderator_message(session, uow.policy, reaudit, "started", now)


def _moderated(domain_id: str, values: Values) -> dict[str, Any]:
    return {
        "verdict": values.get(f"verdict__{domain_id}"),
        "grade": values.get(f"grade__{domain_id}"),
        "reason": (values.get(f"why__{domain_id}") or "").strip(),
    }


def _submit(uow: UnitOfWork, reaudit: Reaudit, values: Values) -> None:
    """Freeze the re-audit (its row is locked: a double click submits once), store the
    moderated judgements beside the audit, set any new actions and tell people."""
    session, now, policy = uow.session, uow.now, uow.policy
    original = Original.of(session, reaudit)
    had_actions = bool(audit_actions(session, original.audit.id))
    session.execute(
        update(Reaudit)
        .where(col(Reaudit.id) == reaudit.id)
        .values(
            status=ReauditStatus.SUBMITTED,
            submitted_at=now,
            answers=reaudit.answers,
            actions_addressed=values.get("addressed") if had_actions else NONE_SET,
            comment=(values.get("comment") or "").strip(),
            updated_at=now,
        )
    )
    session.refresh(reaudit)
    judgements = _record_judgements(session, policy.framework, reaudit, original)
    actions = create_actions(
        session,
        original.audit.id,
        action_rows(values, policy.audit.action_slots),
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
    queue_outcome_messages(session, policy, reaudit, judgements, actions, now)
    for action in actions:
        queue_action_dm(session, action, original.case, now)
    refresh_moderator_message(session, policy, reaudit, "submitted", now)


def _record_judgements(
    session, framework: FrameworkPolicy, reaudit: Reaudit, original: Original
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
