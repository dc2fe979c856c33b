"""The TAC reflective case summary checkpoint, a standing item of every supervision.

`/supervision @practitioner` (or a button in the weekly digest) opens a form listing the
practitioner's open TAC cases, most urgent first, a page of `CASES_PER_PAGE` at a time: a
stepped form (bot/core/stepped_form.py) whose steps are the pages. For each case the team
manager records that it was considered and the decision: a summary to be completed by a date (a
task for the practitioner) or not needed now, with the reason. A page's answers are kept once
they are checked; the last page records the checkpoint, once.

Only team managers may run it, for practitioners in their teams (their own team, or a team of
someone they line-manage). The practitioner records "Summary completed" from the task message
(bot/tac/tasks.py); the weekly digest, reminders and month-end list are in bot/tac/schedule.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.cover import Acting, acting_for, require_acting_for
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm
from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.stepped_form import SteppedForm, Values
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import answer, on_click
from bot.policy.schema import TacPolicy
from bot.tac.cases import TacCase, manager_team_ids, note_latest_decisions, tac_cases
from bot.tac.history import HISTORY_USAGE, show_history
from bot.tac.rules import page_bounds
from messages import escape_mrkdwn, render
from models import Case, Staff, TacDecision, TacSupervision, TacTask
from models.statuses import SupervisionStatus, TacTaskStatus

USAGE = f"/supervision @practitioner | {HISTORY_USAGE}"
CASES_PER_PAGE = 15  # 6 blocks a case: 15 cases and the page's own 2 blocks stay under 100
MIN_REASON = 10
NO_LONGER_COVERING = (
    "You started this checkpoint as a cover, and the team manager is back: it is theirs again."
)
COMPLETE_BY = "complete_by"
NOT_NEEDED = "not_needed"
LATEST_COMPLETE_BY = timedelta(days=366)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class _Answer:
    decision: str
    complete_by: date | None
    reason: str | None
    triggers: list[str]
    trigger_note: str | None


class TacCheckpointForm(SteppedForm[TacSupervision]):
    """The checkpoint's pages. A page's answers are kept only once checked; a repeated last
    page (a double submit, Slack's retry) finds the checkpoint recorded and simply closes."""

    callback_id = "tac.checkpoint"
    draft_model = TacSupervision
    draft_key = "supervision_id"
    missing = "Only the team manager who started this checkpoint can complete it."
    keeps_answers_with_errors = False

    def admit(self, uow: UnitOfWork, supervision: TacSupervision) -> bool:
        """The manager who started it; a cover who started it for a team manager only while
        still covering for them."""
        if supervision.manager_id != uow.actor.id:
            raise NotAllowed(self.missing)
        if supervision.on_behalf_of_id is not None:
            require_acting_for(
                uow.session,
                uow.actor,
                supervision.on_behalf_of_id,
                now=uow.now,
                refusal=NO_LONGER_COVERING,
            )
        return supervision.status != SupervisionStatus.RECORDED

    def step_count(self, uow: UnitOfWork, supervision: TacSupervision) -> int:
        return len(page_bounds(len(supervision.case_ids), CASES_PER_PAGE))

    def problems(
        self, uow: UnitOfWork, supervision: TacSupervision, step: int, values: Values
    ) -> dict[str, str]:
        return _checked_page(uow, supervision, step, values).errors

    def accept(
        self, uow: UnitOfWork, supervision: TacSupervision, step: int, values: Values
    ) -> None:
        page = _checked_page(uow, supervision, step, values)
        _keep_page(uow.session, supervision, page)
        auditlog.record(
            uow.session,
            actor=uow.actor.email,
            action="tac.checkpoint.page",
            subject=f"tac-supervision:{supervision.id}",
            now=uow.now,
            page=step + 1,
            cases=[item.case.case_ref for item in page.cases],
        )

    def finish(self, uow: UnitOfWork, supervision: TacSupervision, values: Values) -> None:
        last = self.step_count(uow, supervision) - 1
        page = _checked_page(uow, supervision, last, values)
        supervision.status, supervision.recorded_at = SupervisionStatus.RECORDED, uow.now
        _keep_page(uow.session, supervision, page)
        _record(uow.session, supervision, _holding(uow, supervision), uow.policy.tac, uow.now)

    def error_field(self, step: int, values: Values) -> str:
        if step == 0:
            return "held_on"
        return next((key for key in values if key.startswith("decision-")), "decision")

    def view(self, uow: UnitOfWork, supervision: TacSupervision, step: int) -> dict[str, Any]:
        policy = uow.policy.tac
        bounds = page_bounds(len(supervision.case_ids), CASES_PER_PAGE)
        start, end = bounds[step]
        today = uow.calendar.local(uow.now).date()
        everything = tac_cases(
            uow.session, policy=policy, today=today, case_ids=supervision.case_ids
        )
        return render(
            "tac_checkpoint_modal",
            private_metadata=self.metadata_for(supervision, step),
            practitioner=uow.session.get(Staff, supervision.practitioner_id),
            page=step + 1,
            pages=len(bounds),
            first_number=start + 1,
            last_number=end,
            total=len(everything),
            never=sum(1 for item in everything if item.status.never),
            overdue=sum(1 for item in everything if item.status.overdue),
            due_soon=sum(1 for item in everything if item.status.due_soon),
            ask_held_on=step == 0,
            today=today,
            cases=everything[start:end],
            triggers=policy.triggers,
            due_soon_days=policy.due_soon_days,
            min_reason=MIN_REASON,
        )


TAC_CHECKPOINT = TacCheckpointForm()


@dataclass(frozen=True)
class _Page:
    """A page's answers, checked: the supervision's date (asked on the first page), each case's
    answer, and what is wrong with them."""

    held_on: date | None
    cases: list[TacCase]
    answers: dict[int, _Answer | None]
    errors: dict[str, str]


def _checked_page(uow: UnitOfWork, supervision: TacSupervision, step: int, values: Values) -> _Page:
    policy = uow.policy.tac
    today = uow.calendar.local(uow.now).date()
    start, end = page_bounds(len(supervision.case_ids), CASES_PER_PAGE)[step]
    on_page = tac_cases(
        uow.session, policy=policy, today=today, case_ids=supervision.case_ids[start:end]
    )
    errors: dict[str, str] = {}
    held_on = _held_on(values.get("held_on"), today, errors) if step == 0 else supervision.held_on
    answers = {
        item.case.id: _answer(item.case.id, values, policy, today, errors) for item in on_page
    }
    return _Page(held_on, on_page, answers, errors)


def _keep_page(session: Session, supervision: TacSupervision, page: _Page) -> None:
    supervision.held_on = page.held_on
    session.add(supervision)
    for item in page.cases:
        _keep_answer(session, supervision, item, page.answers[item.case.id])
    session.flush()


# -- opening it ------------------------------------------------------------------------------------


def start_checkpoint(services: Services, slack_user_id: str, text: str) -> Reply:
    """`/supervision @practitioner`: the first page of the checkpoint; `/supervision history
    @practitioner`: their past checkpoints (bot/tac/history.py); or a notice."""
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() == "history":
        match = _MENTION.match(words[1].strip() if len(words) > 1 else "")
        if match is None:
            return Reply.say(
                "Say whose checkpoints to show, e.g. `/supervision history @Sam`.", USAGE
            )
        return answer(
            services,
            slack_user_id,
            lambda uow: show_history(uow, _staff_by_slack(uow.session, match[1])),
        )
    match = _MENTION.match(text.strip())
    if match is None:
        return Reply.say("Say whose supervision this is, e.g. `/supervision @Sam`.", USAGE)
    return answer(
        services,
        slack_user_id,
        lambda uow: open_checkpoint(uow, _staff_by_slack(uow.session, match[1])),
    )


@on_click()
def start_checkpoint_for(uow: UnitOfWork, practitioner_id: str) -> Reply:
    """The digest's button: the same checkpoint, for the practitioner the button names."""
    if not practitioner_id.isdigit():
        raise InvalidRequest("That button no longer works: try `/supervision @name`.")
    return open_checkpoint(uow, uow.session.get(Staff, int(practitioner_id)))


def _staff_by_slack(session: Session, slack_user_id: str) -> Staff | None:
    return session.exec(select(Staff).where(Staff.slack_user_id == slack_user_id)).first()


def open_checkpoint(uow: UnitOfWork, practitioner: Staff | None) -> Reply:
    """Start a checkpoint (a draft with its page plan) and show its first page: the team
    manager's own, or one their cover holds for them while they are away."""
    session, actor, now = uow.session, uow.actor, uow.now
    acting, team_ids = _supervising(uow, practitioner)
    today = uow.calendar.local(now).date()
    cases = tac_cases(
        session, policy=uow.policy.tac, today=today, team_ids=team_ids, worker_id=practitioner.id
    )
    if not cases:
        raise InvalidRequest(
            f"{escape_mrkdwn(practitioner.name)} holds no open TAC cases in your team, so there "
            "is nothing to consider."
        )
    case_ids = [item.case.id for item in cases]
    uow.lock(Staff, actor.id)  # the same command twice at once starts one checkpoint
    unanswered = _unanswered_draft(session, actor, practitioner)
    if unanswered is not None:  # opened again (or Slack retried the command): carry on with it
        if unanswered.case_ids != case_ids:
            unanswered.case_ids = case_ids
            session.add(unanswered)
        return Reply(view=TAC_CHECKPOINT.view(uow, unanswered, 0))
    supervision = TacSupervision(
        manager_id=actor.id,
        on_behalf_of_id=acting.owner.id if acting.on_behalf else None,
        practitioner_id=practitioner.id,
        case_ids=case_ids,
        started_at=now,
    )
    session.add(supervision)
    session.flush()
    auditlog.record(
        session,
        actor=actor.email,
        action="tac.checkpoint.start",
        subject=f"tac-supervision:{supervision.id}",
        now=now,
        practitioner=practitioner.email,
        cases=len(cases),
    )
    return Reply(view=TAC_CHECKPOINT.view(uow, supervision, 0))


def _supervising(uow: UnitOfWork, practitioner: Staff | None) -> tuple[Acting, set[int]]:
    """Who holds the checkpoint and for whom, with that team manager's team ids: the actor for
    themselves, or as the cover of the practitioner's manager while they are away."""
    manager_id = practitioner.manager_id if practitioner is not None else None
    acting = acting_for(uow.session, uow.actor, manager_id, now=uow.now)
    if acting is None or not acting.on_behalf:
        acting = Acting(uow.actor, uow.actor)
    return acting, require_supervisor(uow.session, acting.owner, practitioner)


def _holding(uow: UnitOfWork, supervision: TacSupervision) -> Acting:
    """Who held the checkpoint, and the team manager it was for (the same, but for a cover)."""
    owner_id = supervision.on_behalf_of_id or supervision.manager_id
    return Acting(uow.actor, uow.session.get(Staff, owner_id))


def require_supervisor(session: Session, actor: Staff, practitioner: Staff | None) -> set[int]:
    """The manager's team ids, if `actor` may run the checkpoint for `practitioner`."""
    if not actor.has_role("team_manager"):
        raise NotAllowed(
            "Sorry, only team managers can use `/supervision`: it records the TAC checkpoint of "
            "a supervision. Nothing has been changed."
        )
    if practitioner is None or not practitioner.is_active:
        raise InvalidRequest(
            "I can't find that person on the staff list (or they have left), so there is no TAC "
            "checkpoint to record."
        )
    name = escape_mrkdwn(practitioner.name)
    if practitioner.id == actor.id:
        raise InvalidRequest("Your own TAC cases are considered in your supervision, not here.")
    if not practitioner.has_role("practitioner"):
        raise InvalidRequest(f"{name} is not a practitioner on the staff list.")
    teams = manager_team_ids(session, actor)
    if practitioner.team_id not in teams:
        raise NotAllowed(
            f"{name} is not in your team, so you can't record their TAC checkpoint. "
            "Nothing has been changed."
        )
    return teams


def _unanswered_draft(session: Session, actor: Staff, practitioner: Staff) -> TacSupervision | None:
    """The manager's draft checkpoint for this practitioner with no answer kept yet."""
    answered = select(TacDecision.supervision_id).where(
        TacDecision.supervision_id == TacSupervision.id
    )
    return session.exec(
        select(TacSupervision)
        .where(
            TacSupervision.manager_id == actor.id,
            TacSupervision.practitioner_id == practitioner.id,
            TacSupervision.status == SupervisionStatus.DRAFT,
            ~answered.exists(),
        )
        .order_by(col(TacSupervision.id).desc())
    ).first()


# -- the answers --------------------------------------------------------------------------------


def _held_on(text: Any, today: date, errors: dict[str, str]) -> date | None:
    held_on = parse_date(text)
    if held_on is None:
        errors["held_on"] = "Give the date of the supervision."
    elif held_on > today:
        errors["held_on"] = "The supervision date can't be in the future."
    return held_on


def _answer(
    case_id: int, values: dict[str, Any], policy: TacPolicy, today: date, errors: dict[str, str]
) -> _Answer | None:
    decision = values.get(f"decision-{case_id}")
    complete_by = parse_date(values.get(f"date-{case_id}"))
    reason = (values.get(f"reason-{case_id}") or "").strip() or None
    note = (values.get(f"note-{case_id}") or "").strip() or None
    known = {trigger.id: trigger for trigger in policy.triggers}
    triggers = [t for t in values.get(f"triggers-{case_id}") or [] if t in known]
    if any(known[t].needs_note for t in triggers) and not note:
        errors[f"note-{case_id}"] = "Describe the issue you ticked."
    if decision == COMPLETE_BY:
        if complete_by is None:
            errors[f"date-{case_id}"] = "Give the date the summary is to be completed by."
        elif complete_by < today:
            errors[f"date-{case_id}"] = "The date can't be in the past."
        elif complete_by > today + LATEST_COMPLETE_BY:
            errors[f"date-{case_id}"] = "Choose a date within the next year."
    elif decision == NOT_NEEDED:
        complete_by = None
        if reason is None or len(reason) < MIN_REASON:
            errors[f"reason-{case_id}"] = (
                "Say why a summary is not needed now (a sentence is enough)."
            )
    else:
        errors[f"decision-{case_id}"] = (
            "Record your decision for this case: a summary by a date, or not needed now."
        )
        return None
    return _Answer(decision, complete_by, reason, triggers, note)


def parse_date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _keep_answer(
    session: Session, supervision: TacSupervision, item: TacCase, answer: _Answer
) -> None:
    decision = session.exec(
        select(TacDecision).where(
            TacDecision.supervision_id == supervision.id, TacDecision.case_id == item.case.id
        )
    ).first() or TacDecision(supervision_id=supervision.id, case_id=item.case.id, decision="")
    decision.decision = answer.decision
    decision.complete_by = answer.complete_by
    decision.reason = answer.reason
    decision.triggers = answer.triggers
    decision.trigger_note = answer.trigger_note
    decision.last_summary_on = item.status.last_summary_on
    decision.next_due_on = item.status.next_due_on
    decision.flags = list(item.status.flags)
    session.add(decision)


def _record(
    session: Session, supervision: TacSupervision, holding: Acting, policy: TacPolicy, now: datetime
) -> None:
    """The checkpoint is recorded: set, keep, replace or cancel tasks; tell both people. The
    tasks are the team manager's, even when their cover held the checkpoint."""
    actor = holding.actor
    practitioner = session.get(Staff, supervision.practitioner_id)
    position = {case_id: index for index, case_id in enumerate(supervision.case_ids)}
    decisions = sorted(
        session.exec(select(TacDecision).where(TacDecision.supervision_id == supervision.id)).all(),
        key=lambda decision: position.get(decision.case_id, len(position)),
    )
    outcomes = []
    for decision in decisions:
        case = session.get(Case, decision.case_id)
        open_tasks = session.exec(
            select(TacTask).where(TacTask.case_id == case.id, TacTask.status == TacTaskStatus.OPEN)
        ).all()
        kept = next((t for t in open_tasks if t.due_on == decision.complete_by), None)
        for task in open_tasks:
            if task is not kept:
                _close_task(session, task, decision, case, actor, supervision, now)
        if decision.decision == COMPLETE_BY and kept is None:
            _set_task(session, decision, case, practitioner, holding, supervision, open_tasks, now)
        if decision.decision == NOT_NEEDED and not open_tasks:  # else told by the cancellation
            _tell_not_needed(session, decision, case, practitioner, actor, supervision, now)
        outcomes.append({"case": case.case_ref, **_decision_details(decision)})
    note_latest_decisions(session, [decision.case_id for decision in decisions])
    queue_dm(
        session,
        key=f"tac-checkpoint:{supervision.id}",
        recipient=actor,
        message=render(
            "tac_checkpoint_recorded",
            practitioner=practitioner,
            held_on=supervision.held_on,
            decisions=[(session.get(Case, d.case_id), d) for d in decisions],
            triggers={trigger.id: trigger.label for trigger in policy.triggers},
            on_behalf=holding.note,
        ),
        concern=f"tac-supervision:{supervision.id}",
        now=now,
    )
    auditlog.record(
        session,
        actor=actor.email,
        action="tac.checkpoint.record",
        subject=f"tac-supervision:{supervision.id}",
        now=now,
        practitioner=practitioner.email,
        held_on=supervision.held_on.isoformat(),
        decisions=outcomes,
    )


def _tell_not_needed(
    session: Session,
    decision: TacDecision,
    case: Case,
    practitioner: Staff,
    manager: Staff,
    supervision: TacSupervision,
    now: datetime,
) -> None:
    """The practitioner learns that no summary is needed now on their case, and why."""
    queue_dm(
        session,
        key=f"tac-not-needed:{decision.id}",
        recipient=practitioner,
        message=render(
            "tac_not_needed_dm",
            case_ref=case.case_ref,
            manager=manager,
            held_on=supervision.held_on,
            reason=decision.reason,
        ),
        concern=f"tac-supervision:{supervision.id}",
        now=now,
    )


def _decision_details(decision: TacDecision) -> dict[str, Any]:
    return {
        "decision": decision.decision,
        "complete_by": decision.complete_by.isoformat() if decision.complete_by else None,
        "reason": decision.reason,
        "triggers": decision.triggers,
        "trigger_note": decision.trigger_note,
        "flags": decision.flags,
    }


def _set_task(
    session: Session,
    decision: TacDecision,
    case: Case,
    practitioner: Staff,
    holding: Acting,
    supervision: TacSupervision,
    replaced: list[TacTask],
    now: datetime,
) -> None:
    manager = holding.actor
    task = TacTask(
        decision_id=decision.id,
        case_id=case.id,
        practitioner_id=practitioner.id,
        manager_id=holding.owner.id,
        due_on=decision.complete_by,
        created_at=now,
    )
    session.add(task)
    session.flush()
    queue_dm(
        session,
        key=task_message_key(task),
        recipient=practitioner,
        message=render(
            "tac_task_dm",
            case_ref=case.case_ref,
            manager=manager,
            held_on=supervision.held_on,
            due_on=task.due_on,
            task_id=task.id,
            replaces=replaced[0].due_on if replaced else None,
            reminder=False,
        ),
        concern=f"tac-task:{task.id}",
        now=now,
    )
    auditlog.record(
        session,
        actor=manager.email,
        action="tac.task.create",
        subject=f"tac-task:{task.id}",
        now=now,
        case=case.case_ref,
        practitioner=practitioner.email,
        due_on=task.due_on.isoformat(),
    )


def _close_task(
    session: Session,
    task: TacTask,
    decision: TacDecision,
    case: Case,
    manager: Staff,
    supervision: TacSupervision,
    now: datetime,
) -> None:
    """A later decision replaces an open task (a new date) or cancels it (not needed now)."""
    task.status = (
        TacTaskStatus.SUPERSEDED if decision.decision == COMPLETE_BY else TacTaskStatus.CANCELLED
    )
    task.closed_at, task.closed_by = now, manager.email
    session.add(task)
    if task.status == TacTaskStatus.CANCELLED:
        queue_dm(
            session,
            key=f"tac-task-cancelled:{task.id}",
            recipient=session.get(Staff, task.practitioner_id),
            message=render(
                "tac_task_cancelled",
                case_ref=case.case_ref,
                manager=manager,
                held_on=supervision.held_on,
                due_on=task.due_on,
                reason=decision.reason,
            ),
            concern=f"tac-task:{task.id}",
            now=now,
        )
    auditlog.record(
        session,
        actor=manager.email,
        action=f"tac.task.{'supersede' if task.status == 'superseded' else 'cancel'}",
        subject=f"tac-task:{task.id}",
        now=now,
        case=case.case_ref,
        by_decision=decision.id,
    )


def task_message_key(task: TacTask) -> str:
    """The idempotency key of a task's DM; marking it done later updates that message."""
    return f"tac-task:{task.id}"
