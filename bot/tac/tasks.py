"""The practitioner's side of the TAC checkpoint: "Summary completed" on a task sets the case's
last summary date, closes the task, updates the task message and tells the manager."""

from __future__ import annotations

import json
from typing import Any

from bot.core import auditlog
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.tac.checkpoint import parse_date, task_message_key
from bot.tac.rules import cadence_for, cadence_words, summary_status
from messages import render
from models import Case, Staff, TacSummary, TacTask, Team
from models.statuses import TacTaskStatus

NOT_THEIRS = "Only the practitioner and manager of this task can record it as done."


def _require_open_task(uow: UnitOfWork, task: TacTask) -> Acting:
    """The practitioner or manager of the task (or the cover of one of them), while it is open."""
    acting = require_acting_for(
        uow.session,
        uow.actor,
        task.practitioner_id,
        task.manager_id,
        now=uow.now,
        refusal=NOT_THEIRS,
    )
    if task.status == TacTaskStatus.COMPLETED:
        raise InvalidRequest("This summary has already been recorded as completed.")
    if task.status != TacTaskStatus.OPEN:
        raise InvalidRequest(
            "A later supervision decision replaced this task: see your latest message about it."
        )
    return acting


def summary_completed_view(uow: UnitOfWork, task: TacTask) -> dict[str, Any]:
    _require_open_task(uow, task)
    return render(
        "tac_summary_modal",
        private_metadata=json.dumps({"task_id": task.id}),
        case_ref=uow.session.get(Case, task.case_id).case_ref,
        due_on=task.due_on,
        today=uow.calendar.local(uow.now).date(),
    )


def record_summary_completed(
    uow: UnitOfWork, task: TacTask, completed_on_text: Any
) -> Reply | None:
    """Close the task, set the case's last summary date, tell the manager; or inline errors."""
    if task.status == TacTaskStatus.COMPLETED:
        return None  # a double submit: already recorded
    acting = _require_open_task(uow, task)
    session, actor, now, policy = uow.session, uow.actor, uow.now, uow.policy.tac
    today = uow.calendar.local(now).date()
    completed_on = parse_date(completed_on_text)
    if completed_on is None:
        return Reply.error("completed_on", "Give the date the summary was completed.")
    if completed_on > today:
        return Reply.error("completed_on", "The date can't be in the future.")
    task.status, task.closed_at, task.closed_by = TacTaskStatus.COMPLETED, now, actor.email
    session.add(task)
    case = session.get(Case, task.case_id)
    previous = case.tac_last_summary_on
    if previous is None or completed_on > previous:
        case.tac_last_summary_on = completed_on
        session.add(case)
    summary = TacSummary(
        case_id=case.id,
        practitioner_id=task.practitioner_id,
        team_id=case.team_id,
        completed_on=completed_on,
        task_id=task.id,
        recorded_at=now,
        recorded_by=actor.email,
    )
    session.add(summary)
    session.flush()
    practitioner = session.get(Staff, task.practitioner_id)
    team = session.get(Team, case.team_id)
    status = summary_status(
        case.tac_last_summary_on,
        team_type=team.team_type,
        newly_qualified=practitioner.newly_qualified,
        today=today,
        policy=policy,
        opened_on=case.opened_on,
    )
    queue_update(
        session,
        key=f"tac-task-done:{task.id}",
        update_of=task_message_key(task),
        message=render(
            "tac_task_done",
            case_ref=case.case_ref,
            due_on=task.due_on,
            completed_on=completed_on,
            recorded_by=actor,
            on_behalf=acting.note,
        ),
        concern=f"tac-task:{task.id}",
        now=now,
    )
    queue_dm(
        session,
        key=f"tac-summary:{summary.id}",
        recipient=session.get(Staff, task.manager_id),
        message=render(
            "tac_summary_recorded",
            case_ref=case.case_ref,
            practitioner=practitioner,
            recorded_by=actor,
            on_behalf=acting.note,
            completed_on=completed_on,
            due_on=task.due_on,
            next_due_on=status.next_due_on,
            cadence=cadence_words(cadence_for(team.team_type, policy)),
        ),
        concern=f"tac-summary:{summary.id}",
        now=now,
    )
    auditlog.record(
        session,
        actor=actor.email,
        action="tac.summary.record",
        subject=f"tac-task:{task.id}",
        now=now,
        case=case.case_ref,
        completed_on=completed_on.isoformat(),
        previous_last_summary_on=previous.isoformat() if previous else None,
    )
    return None


# -- entrypoints for the handlers -------------------------------------------------------------


@on_click(TacTask, missing=NOT_THEIRS)
def open_summary_completed(uow: UnitOfWork, task: TacTask) -> Reply:
    return Reply(view=summary_completed_view(uow, task))


@on_submit(TacTask, key="task_id", field="completed_on", missing=NOT_THEIRS)
def submit_summary_completed(uow: UnitOfWork, task: TacTask, form: Submission) -> Reply | None:
    return record_summary_completed(uow, task, form.values.get("completed_on"))
