"""The re-audit: a stepped form that shows the moderator each domain's original grade and
justification, a group of domains a step as in the audit, keeping a draft at every step;
submitted exactly once, beside the original audit, which is never changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col

from bot.audit.actions import active_slack_ids, create_actions, queue_action_dm
from bot.audit.inadequate import escalate_if_inadequate
from bot.audit.inadmissible import REASON_LABELS, mark_and_tell
from bot.audit.rules import action_rows, domain_steps, step_count, with_step_answers
from bot.core import auditlog
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import InvalidRequest
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
from bot.reaudit.moderators import may_moderate
from bot.reaudit.rules import (
    ADDRESSED,
    ADMISSIBILITY,
    ADMISSIBLE,
    NONE_SET,
    OVERALL,
    VERDICTS,
    asks_overall,
    final_errors,
    first_incomplete_step,
    inadmissible_reason,
    moved,
    overall_errors,
    verdict_errors,
)
from messages import escape_mrkdwn, render
from models import Audit, ModeratedJudgement, Reaudit, Staff
from models.statuses import ReauditStatus

ALREADY_SUBMITTED = "This re-audit has already been submitted: it can't be changed now."
ONLY_THE_MODERATOR = "Only the moderator this re-audit was given to can do that."
ONLY_THE_PANEL = "Only a member of the moderation panel this re-audit was given to can do that."


class ReauditForm(SteppedForm[Reaudit]):
    callback_id = "reaudit.step"
    draft_model = Reaudit
    draft_key = "reaudit_id"
    missing = ONLY_THE_MODERATOR

    def admit(self, uow: UnitOfWork, reaudit: Reaudit) -> bool:
        """The moderator, any member of a panel sharing it, or the moderator's cover while they
        are away, until it is submitted (the row is locked: of two members submitting at once,
        the second finds it done)."""
        _moderating(uow, reaudit)
        if reaudit.status == ReauditStatus.SUBMITTED:
            if reaudit.panel and reaudit.moderator_id != uow.actor.id:
                moderator = uow.session.get(Staff, reaudit.moderator_id)
                raise InvalidRequest(
                    f"This re-audit has already been moderated by {escape_mrkdwn(moderator.name)}"
                    ": nothing has been changed."
                )
            raise InvalidRequest(ALREADY_SUBMITTED)
        return True

    def step_count(self, uow: UnitOfWork, reaudit: Reaudit) -> int:
        return step_count(uow.policy.framework)

    def resume_at(self, uow: UnitOfWork, reaudit: Reaudit) -> int:
        return _first_incomplete_step(uow, reaudit, Original.of(uow.session, reaudit))

    def keep(self, uow: UnitOfWork, reaudit: Reaudit, step: int, values: Values) -> None:
        framework = uow.policy.framework
        answers = with_step_answers(reaudit.answers, framework, step, values, _moderated)
        if _asks_overall_at(uow, reaudit, step):
            answers[OVERALL] = _moderated(OVERALL, values)
        reaudit.answers = answers
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
            if _asks_overall_at(uow, reaudit, step):
                answer = reaudit.answers.get(OVERALL) or {}
                errors |= overall_errors(framework, original.audit.overall, answer)
            return errors
        incomplete = _first_incomplete_step(uow, reaudit, original)
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
            overall = None
            if _asks_overall_at(uow, reaudit, step):
                overall = {
                    "key": OVERALL,
                    "original": original.audit.overall,
                    "answer": reaudit.answers.get(OVERALL) or {},
                }
            return render(
                "reaudit_step_modal",
                domains=domain_steps(framework)[step],
                original=original.audit.answers,
                answers=reaudit.answers,
                overall=overall,
                **common,
            )
        audit = original.audit
        return render(
            "reaudit_final_modal",
            final=reaudit.answers.get("final", {}),
            audit=audit,
            actions=audit_actions(session, original.audit.id),
            addressed=ADDRESSED,
            admissibility=ADMISSIBILITY,
            admissible=ADMISSIBLE,
            already_inadmissible=(
                REASON_LABELS.get(audit.inadmissible_reason) if audit.is_inadmissible else None
            ),
            practitioner=original.practitioner,
            slots=range(1, uow.policy.audit.action_slots + 1),
            **common,
        )


REAUDIT_FORM = ReauditForm()


def _moderating(uow: UnitOfWork, reaudit: Reaudit) -> Acting:
    """Who moderates, and for whom: themselves (the moderator or a panel's member), or the
    moderator they cover for."""
    if may_moderate(uow.policy, reaudit, uow.actor):
        return Acting(uow.actor, uow.actor)
    refusal = ONLY_THE_PANEL if reaudit.panel else ONLY_THE_MODERATOR
    return require_acting_for(
        uow.session, uow.actor, reaudit.moderator_id, now=uow.now, refusal=refusal
    )


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
    auditlog.record(
        session,
        actor=uow.actor.email,
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


def _asks_overall_at(uow: UnitOfWork, reaudit: Reaudit, step: int) -> bool:
    """The overall judgement is asked on the last domain step, after the last domain."""
    framework = uow.policy.framework
    if step != len(domain_steps(framework)) - 1:
        return False
    return asks_overall(framework, Original.of(uow.session, reaudit).audit.overall)


def _first_incomplete_step(uow: UnitOfWork, reaudit: Reaudit, original: Original) -> int:
    return first_incomplete_step(
        uow.policy.framework, reaudit.answers, original.audit.answers, original.audit.overall
    )


def _overall(framework: FrameworkPolicy, reaudit: Reaudit, original: Original) -> dict[str, Any]:
    """The re-audit's overall columns: agreed (the grade stays), or a different grade with a
    reason, moved up or down the scale; all None when the overall judgement was not asked."""
    given = original.audit.overall
    if not asks_overall(framework, given):
        return {
            "overall_agreed": None,
            "overall_grade": None,
            "overall_reason": None,
            "overall_moved": None,
        }
    answer = reaudit.answers[OVERALL]
    agreed = answer["verdict"] == "agree"
    grade = given if agreed else answer["grade"]
    return {
        "overall_agreed": agreed,
        "overall_grade": grade,
        "overall_reason": None if agreed else answer["reason"],
        "overall_moved": moved(framework.grades, given, grade),
    }


def _submit(uow: UnitOfWork, reaudit: Reaudit, values: Values) -> None:
    """Freeze the re-audit (its row is locked: a double click, or two members of a panel,
    submit once), store the moderated judgements beside the audit, mark the audit inadmissible
    if the moderator found it cannot be used, set any new actions and tell people. Whoever
    submits is the moderator (for a panel's re-audit, the member who took it; for a cover, the
    cover, with the moderator they acted for)."""
    session, now, policy = uow.session, uow.now, uow.policy
    acting = _moderating(uow, reaudit)
    original = Original.of(session, reaudit)
    had_actions = bool(audit_actions(session, original.audit.id))
    overall = _overall(policy.framework, reaudit, original)
    session.execute(
        update(Reaudit)
        .where(col(Reaudit.id) == reaudit.id)
        .values(
            status=ReauditStatus.SUBMITTED,
            submitted_at=now,
            moderator_id=uow.actor.id,
            on_behalf_of_id=acting.owner.id if acting.on_behalf else None,
            answers=reaudit.answers,
            actions_addressed=values.get("addressed") if had_actions else NONE_SET,
            comment=(values.get("comment") or "").strip(),
            updated_at=now,
            **overall,
        )
    )
    session.refresh(reaudit)
    judgements = _record_judgements(session, policy.framework, reaudit, original)
    inadmissible = _mark_inadmissible(uow, original.audit, values)
    # Moderated down to the lowest grade: the head of service hears of it as of an audit so
    # judged (once; never for an inadmissible audit).
    escalate_if_inadequate(session, uow, original.audit, reaudit.overall_grade)
    actions = create_actions(
        session,
        original.audit.id,
        action_rows(values, policy.audit.action_slots),
        now,
        reaudit_id=reaudit.id,
    )
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="reaudit.submit",
        subject=f"reaudit:{reaudit.id}",
        now=now,
        disagreed=[j.domain_id for j in judgements if not j.agreed],
        overall_agreed=reaudit.overall_agreed,
        inadmissible=inadmissible_reason(values),
        actions=[a.id for a in actions],
    )
    queue_outcome_messages(
        session, policy, reaudit, judgements, actions, now, inadmissible=inadmissible
    )
    for action in actions:
        queue_action_dm(session, action, original.case, now)
    refresh_moderator_message(session, policy, reaudit, "submitted", now)


def _mark_inadmissible(
    uow: UnitOfWork, audit: Audit, values: Values
) -> tuple[str, str | None] | None:
    """Mark the audit inadmissible when the moderator found it cannot be used (unless it was
    already): its reason's label and the note, for the outcome; None when it can be used."""
    reason = inadmissible_reason(values)
    if reason is None:
        return None
    audit = uow.lock(Audit, audit.id)  # the auditor may be marking it at this very moment
    # The auditor's result DM loses its button and the service manager is told, as when the
    # auditor marks it.
    if not mark_and_tell(uow, audit, reason, values.get("inadmissible_note")):
        return None
    return REASON_LABELS[reason], audit.inadmissible_note


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
