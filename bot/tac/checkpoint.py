"""The TAC reflective case summary checkpoint, a standing item of every supervision.

`/supervision @practitioner` (or a button in the weekly digest) opens a modal listing the
practitioner's open TAC cases, most urgent first, a page of `CASES_PER_PAGE` at a time. For each
case the team manager records that it was considered and the decision: a summary to be completed
by a date (a task for the practitioner) or not needed now, with the reason. The checkpoint is a
small state machine:

    opened ──page answered──▶ draft (answers kept per page) ──last page──▶ recorded (once)

Only team managers may run it, for practitioners in their teams (their own team, or a team of
someone they line-manage). The practitioner records "Summary completed" from the task message
(bot/tac/tasks.py); the weekly digest, reminders and month-end list are in bot/tac/schedule.py.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.commands.audit_command import UNKNOWN_PERSON, find_actor, notice
from bot.core import auditlog
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm
from bot.core.services import Services
from bot.policy.schema import TacPolicy
from bot.tac.rules import (
    LONG_TERM,
    TAC_CASE_TYPE,
    SummaryStatus,
    attention_cutoffs,
    cadence_for,
    cadence_words,
    checkpoint_order,
    page_bounds,
    summary_status,
)
from messages import escape_mrkdwn, render
from models import Case, Staff, TacDecision, TacSupervision, TacTask, Team
from models.db import lock_row, transaction

log = logging.getLogger(__name__)

USAGE = "/supervision @practitioner"
CASES_PER_PAGE = 15  # 6 blocks a case: 15 cases and the page's own 2 blocks stay under 100
MIN_REASON = 10
COMPLETE_BY = "complete_by"
NOT_NEEDED = "not_needed"
LATEST_COMPLETE_BY = timedelta(days=366)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class Reply:
    """A modal to open, or an ephemeral notice (a rendered message)."""

    view: dict[str, Any] | None = None
    notice: dict[str, Any] | None = None


@dataclass(frozen=True)
class PageOutcome:
    """Inline errors, or the next page to show; neither: done, close the modal."""

    errors: dict[str, str] | None = None
    next_view: dict[str, Any] | None = None


@dataclass(frozen=True)
class TacCase:
    """An open TAC case as the checkpoint and the digest show it."""

    case: Case
    team: Team
    worker: Staff
    cadence: str
    status: SummaryStatus
    open_task: TacTask | None
    last_decision: TacDecision | None
    last_considered_on: date | None


@dataclass(frozen=True)
class _Answer:
    decision: str
    complete_by: date | None
    reason: str | None
    triggers: list[str]
    trigger_note: str | None


# -- who may, and which cases --------------------------------------------------------------------


def team_managers(session: Session) -> list[Staff]:
    people = session.exec(
        select(Staff)
        .where(Staff.status == "active", col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    return [person for person in people if person.has_role("team_manager")]


def team_ids_by_manager(session: Session, managers: list[Staff]) -> dict[int, set[int]]:
    """`manager_team_ids` of each manager, in one query."""
    teams = {manager.id: {manager.team_id} if manager.team_id else set() for manager in managers}
    rows = session.exec(
        select(Staff.manager_id, Staff.team_id).where(
            col(Staff.manager_id).in_(list(teams)), Staff.status == "active"
        )
    ).all()
    for manager_id, team_id in rows:
        if team_id is not None:
            teams[manager_id].add(team_id)
    return teams


def manager_team_ids(session: Session, manager: Staff) -> set[int]:
    """The manager's own team and the teams of the people they line-manage."""
    teams = {manager.team_id} if manager.team_id else set()
    teams.update(
        team_id
        for team_id in session.exec(
            select(Staff.team_id).where(Staff.manager_id == manager.id, Staff.status == "active")
        ).all()
        if team_id is not None
    )
    return teams


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


def tac_cases(
    session: Session,
    *,
    policy: TacPolicy,
    today: date,
    team_ids: Iterable[int] | None = None,
    worker_id: int | None = None,
    case_ids: list[int] | None = None,
    with_decisions: bool = True,
    needing_attention: bool = False,
) -> list[TacCase]:
    """Open TAC cases of the teams (and worker), most urgent first; or exactly `case_ids`, in
    that order (a checkpoint's page plan, whatever has changed since). Without
    `with_decisions` the last decisions are not looked up (left None); `needing_attention`
    keeps only the cases never summarised, overdue or due soon (the digests')."""
    query = _with_team_and_worker(select(Case, Team, Staff))
    if case_ids is not None:
        query = query.where(col(Case.id).in_(case_ids))
    else:
        query = _open_tac_cases_of(query, team_ids or [])
        if worker_id is not None:
            query = query.where(Case.worker_id == worker_id)
    if needing_attention:
        query = query.where(_may_need_attention(policy, today))
    rows = session.exec(query).all()
    # The same cases as a subquery: no bound parameter per case, however many there are.
    ids = query.with_only_columns(col(Case.id))
    # Joined, not `IN (subquery)`: SQLite then checks each open task's case by its primary key
    # (the digests' task queries: 2 ms instead of 20 at scale 1, 37 instead of 120 at scale 4).
    cases = ids.subquery()
    open_tasks = {
        task.case_id: task
        for task in session.exec(
            select(TacTask)
            .join(cases, col(TacTask.case_id) == cases.c.id)
            .where(TacTask.status == "open")
        ).all()
    }
    latest = _latest_decisions(session, ids) if with_decisions else {}
    found = []
    for case, team, worker in rows:
        decision, considered_on = latest.get(case.id, (None, None))
        found.append(
            TacCase(
                case=case,
                team=team,
                worker=worker,
                cadence=cadence_words(cadence_for(team.team_type, policy)),
                status=summary_status(
                    case.tac_last_summary_on,
                    team_type=team.team_type,
                    newly_qualified=worker.newly_qualified,
                    today=today,
                    policy=policy,
                ),
                open_task=open_tasks.get(case.id),
                last_decision=decision,
                last_considered_on=considered_on,
            )
        )
    if needing_attention:
        found = [item for item in found if item.status.needs_attention]
    if case_ids is not None:
        position = {case_id: index for index, case_id in enumerate(case_ids)}
        return sorted(found, key=lambda item: position[item.case.id])
    return sorted(found, key=lambda item: checkpoint_order(item.status, item.case.case_ref))


def count_needing_attention(
    session: Session, *, policy: TacPolicy, today: date, team_ids: Iterable[int]
) -> Counter[int]:
    """How many open TAC cases of each team need attention today (the team digest's count),
    from four columns per case rather than the cases, their teams and workers."""
    rows = session.exec(
        _open_tac_cases_of(
            _with_team_and_worker(
                select(
                    Case.team_id, Case.tac_last_summary_on, Team.team_type, Staff.newly_qualified
                )
            ),
            team_ids,
        ).where(_may_need_attention(policy, today))
    ).all()
    return Counter(
        team_id
        for team_id, last_summary_on, team_type, newly_qualified in rows
        if summary_status(
            last_summary_on,
            team_type=team_type,
            newly_qualified=newly_qualified,
            today=today,
            policy=policy,
        ).needs_attention
    )


Query = TypeVar("Query", bound=Select)


def _with_team_and_worker(query: Query) -> Query:
    return query.join(Team, col(Team.id) == Case.team_id).join(
        Staff, col(Staff.id) == Case.worker_id
    )


def _open_tac_cases_of(query: Query, team_ids: Iterable[int]) -> Query:
    return query.where(
        Case.status == "open",
        Case.case_type == TAC_CASE_TYPE,
        col(Case.team_id).in_(list(team_ids)),
    )


def _may_need_attention(policy: TacPolicy, today: date) -> ColumnElement[bool]:
    """Leaves out the cases summarised since their cadence's cutoff, unloaded."""
    cutoffs = attention_cutoffs(policy, today)
    last = col(Case.tac_last_summary_on)
    long_term = col(Team.team_type) == LONG_TERM
    may = [
        last.is_(None),
        and_(long_term, last <= cutoffs.long_term),
        and_(~long_term, last <= cutoffs.short_term),
    ]
    if cutoffs.newly_qualified is not None:
        may.append(and_(col(Staff.newly_qualified), last <= cutoffs.newly_qualified))
    return or_(*may)


def _latest_decisions(
    session: Session, case_ids: Any
) -> dict[int, tuple[TacDecision, date | None]]:
    """Each case's latest recorded decision (only that one is loaded, whatever the history)."""
    ranked = (
        select(
            col(TacDecision.id).label("decision_id"),
            col(TacSupervision.held_on).label("held_on"),
            func.row_number()
            .over(
                partition_by=col(TacDecision.case_id),
                order_by=(col(TacSupervision.recorded_at).desc(), col(TacDecision.id).desc()),
            )
            .label("newest_first"),
        )
        .join(TacSupervision, col(TacSupervision.id) == TacDecision.supervision_id)
        .where(TacSupervision.status == "recorded", col(TacDecision.case_id).in_(case_ids))
        .subquery()
    )
    rows = session.exec(
        select(TacDecision, ranked.c.held_on)
        .join(ranked, ranked.c.decision_id == TacDecision.id)
        .where(ranked.c.newest_first == 1)
    ).all()
    return {decision.case_id: (decision, held_on) for decision, held_on in rows}


# -- the checkpoint --------------------------------------------------------------------------------


def open_checkpoint(
    session: Session,
    *,
    actor: Staff,
    practitioner: Staff | None,
    policy: TacPolicy,
    now: datetime,
    timezone: tzinfo,
) -> dict[str, Any]:
    """Start a checkpoint (a draft with its page plan) and return its first page."""
    team_ids = require_supervisor(session, actor, practitioner)
    today = now.astimezone(timezone).date()
    cases = tac_cases(
        session, policy=policy, today=today, team_ids=team_ids, worker_id=practitioner.id
    )
    if not cases:
        raise InvalidRequest(
            f"{escape_mrkdwn(practitioner.name)} holds no open TAC cases in your team, so there "
            "is nothing to consider."
        )
    case_ids = [item.case.id for item in cases]
    lock_row(session, Staff, actor.id)  # the same command twice at once starts one checkpoint
    unanswered = _unanswered_draft(session, actor, practitioner)
    if unanswered is not None:  # opened again (or Slack retried the command): carry on with it
        if unanswered.case_ids != case_ids:
            unanswered.case_ids = case_ids
            session.add(unanswered)
        return _page_view(session, unanswered, 1, policy, today)
    supervision = TacSupervision(
        manager_id=actor.id,
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
    return _page_view(session, supervision, 1, policy, today)


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
            TacSupervision.status == "draft",
            ~answered.exists(),
        )
        .order_by(col(TacSupervision.id).desc())
    ).first()


def _page_view(
    session: Session, supervision: TacSupervision, page: int, policy: TacPolicy, today: date
) -> dict[str, Any]:
    bounds = page_bounds(len(supervision.case_ids), CASES_PER_PAGE)
    start, end = bounds[page - 1]
    everything = tac_cases(session, policy=policy, today=today, case_ids=supervision.case_ids)
    return render(
        "tac_checkpoint_modal",
        private_metadata=json.dumps({"supervision_id": supervision.id, "page": page}),
        practitioner=session.get(Staff, supervision.practitioner_id),
        page=page,
        pages=len(bounds),
        first_number=start + 1,
        last_number=end,
        total=len(everything),
        never=sum(1 for item in everything if item.status.never),
        overdue=sum(1 for item in everything if item.status.overdue),
        due_soon=sum(1 for item in everything if item.status.due_soon),
        ask_held_on=page == 1,
        today=today,
        cases=everything[start:end],
        triggers=policy.triggers,
        due_soon_days=policy.due_soon_days,
        min_reason=MIN_REASON,
    )


def submit_checkpoint_page(
    session: Session,
    *,
    actor: Staff,
    supervision_id: int,
    page: int,
    values: dict[str, Any],
    policy: TacPolicy,
    now: datetime,
    timezone: tzinfo,
) -> PageOutcome:
    """Check a page's answers; keep them and show the next page, or record the checkpoint."""
    supervision = session.get(TacSupervision, supervision_id)
    if supervision is None or supervision.manager_id != actor.id:
        raise NotAllowed("Only the team manager who started this checkpoint can complete it.")
    if supervision.status == "recorded":
        return PageOutcome()  # a second submit of the last page: it is already recorded
    bounds = page_bounds(len(supervision.case_ids), CASES_PER_PAGE)
    if not 1 <= page <= len(bounds):
        raise InvalidRequest("This page of the checkpoint no longer exists: please start again.")
    today = now.astimezone(timezone).date()
    start, end = bounds[page - 1]
    on_page = tac_cases(
        session, policy=policy, today=today, case_ids=supervision.case_ids[start:end]
    )
    errors: dict[str, str] = {}
    held_on = supervision.held_on
    if page == 1:
        held_on = _held_on(values.get("held_on"), today, errors)
    answers = {
        item.case.id: _answer(item.case.id, values, policy, today, errors) for item in on_page
    }
    if errors:
        return PageOutcome(errors=errors)
    last_page = page == len(bounds)
    if last_page and not _claim_for_recording(session, supervision, now):
        return PageOutcome()  # a double submit: the other one is recording it
    supervision.held_on = held_on
    session.add(supervision)
    for item in on_page:
        _keep_answer(session, supervision, item, answers[item.case.id])
    session.flush()
    if not last_page:
        auditlog.record(
            session,
            actor=actor.email,
            action="tac.checkpoint.page",
            subject=f"tac-supervision:{supervision.id}",
            now=now,
            page=page,
            cases=[item.case.case_ref for item in on_page],
        )
        return PageOutcome(next_view=_page_view(session, supervision, page + 1, policy, today))
    _record(session, supervision, actor, policy, now)
    return PageOutcome()


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


def _claim_for_recording(session: Session, supervision: TacSupervision, now: datetime) -> bool:
    """Mark the draft recorded, as the first write: of two identical submits only one wins."""
    claimed = session.exec(
        update(TacSupervision)
        .where(col(TacSupervision.id) == supervision.id, col(TacSupervision.status) == "draft")
        .values(status="recorded", recorded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    supervision.status, supervision.recorded_at = "recorded", now
    return claimed == 1


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
    session: Session, supervision: TacSupervision, actor: Staff, policy: TacPolicy, now: datetime
) -> None:
    """The checkpoint is recorded: set, keep, replace or cancel tasks; tell both people."""
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
            select(TacTask).where(TacTask.case_id == case.id, TacTask.status == "open")
        ).all()
        kept = next((t for t in open_tasks if t.due_on == decision.complete_by), None)
        for task in open_tasks:
            if task is not kept:
                _close_task(session, task, decision, case, actor, supervision, now)
        if decision.decision == COMPLETE_BY and kept is None:
            _set_task(session, decision, case, practitioner, actor, supervision, open_tasks, now)
        outcomes.append({"case": case.case_ref, **_decision_details(decision)})
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
    manager: Staff,
    supervision: TacSupervision,
    replaced: list[TacTask],
    now: datetime,
) -> None:
    task = TacTask(
        decision_id=decision.id,
        case_id=case.id,
        practitioner_id=practitioner.id,
        manager_id=manager.id,
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
    task.status = "superseded" if decision.decision == COMPLETE_BY else "cancelled"
    task.closed_at, task.closed_by = now, manager.email
    session.add(task)
    if task.status == "cancelled":
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


# -- entrypoints for the handlers: each runs one use case in one transaction ----------------------


def start_checkpoint(services: Services, slack_user_id: str, text: str) -> Reply:
    """`/supervision @practitioner`: the first page of the checkpoint, or a notice."""
    match = _MENTION.match(text.strip())
    if match is None:
        return Reply(
            notice=notice("Say whose supervision this is, e.g. `/supervision @Sam`.", USAGE)
        )
    return _start(services, slack_user_id, lambda session: _staff_by_slack(session, match[1]))


def start_checkpoint_for(services: Services, slack_user_id: str, practitioner_id: str) -> Reply:
    """The digest's button: the same checkpoint, for the practitioner the button names."""
    if not practitioner_id.isdigit():
        return Reply(notice=notice("That button no longer works: try `/supervision @name`."))
    return _start(services, slack_user_id, lambda session: session.get(Staff, int(practitioner_id)))


def _start(services: Services, slack_user_id: str, find_practitioner: Any) -> Reply:
    try:
        with transaction(services.make_session) as session:
            actor = find_actor(session, slack_user_id)
            if actor is None:
                return Reply(notice=notice(UNKNOWN_PERSON))
            view = open_checkpoint(
                session,
                actor=actor,
                practitioner=find_practitioner(session),
                policy=services.policy.tac,
                now=services.now(),
                timezone=services.settings.timezone,
            )
    except AuditbotError as error:
        return Reply(notice=notice(str(error)))
    return Reply(view=view)


def _staff_by_slack(session: Session, slack_user_id: str) -> Staff | None:
    return session.exec(select(Staff).where(Staff.slack_user_id == slack_user_id)).first()


def submit_checkpoint(
    services: Services, slack_user_id: str, private_metadata: str, values: dict[str, Any]
) -> PageOutcome:
    metadata = json.loads(private_metadata or "{}")
    page = int(metadata.get("page", 1))
    first_input = "held_on" if page == 1 else _first_decision_block(values)
    try:
        with transaction(services.make_session) as session:
            actor = find_actor(session, slack_user_id)
            if actor is None:
                return PageOutcome(errors={first_input: UNKNOWN_PERSON})
            outcome = submit_checkpoint_page(
                session,
                actor=actor,
                supervision_id=int(metadata.get("supervision_id", 0)),
                page=page,
                values=values,
                policy=services.policy.tac,
                now=services.now(),
                timezone=services.settings.timezone,
            )
    except AuditbotError as error:
        return PageOutcome(errors={first_input: str(error)})
    except IntegrityError:
        log.info("a concurrent submit of the same TAC checkpoint page lost the race")
        return PageOutcome()
    services.deliver_soon()
    return outcome


def _first_decision_block(values: dict[str, Any]) -> str:
    return next((key for key in values if key.startswith("decision-")), "decision")
