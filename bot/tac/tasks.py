"""The practitioner's side of the TAC checkpoint: "Summary completed" on a task sets the case's
last summary date, closes the task, updates the task message and tells the manager."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.commands.audit_command import UNKNOWN_PERSON, find_actor, notice
from bot.core import auditlog
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.services import Services
from bot.policy.schema import TacPolicy
from bot.tac.checkpoint import Reply, parse_date, task_message_key
from bot.tac.rules import cadence_for, cadence_words, summary_status
from messages import render
from models import Case, Staff, TacSummary, TacTask, Team
from models.db import transaction


def _task_for(session: Session, actor: Staff, task_id: int) -> TacTask:
    task = session.get(TacTask, task_id)
    if task is None or actor.id not in (task.practitioner_id, task.manager_id):
        raise NotAllowed("Only the practitioner and manager of this task can record it as done.")
    if task.status == "completed":
        raise InvalidRequest("This summary has already been recorded as completed.")
    if task.status != "open":
        raise InvalidRequest(
            "A later supervision decision replaced this task: see your latest message about it."
        )
    return task


def summary_completed_view(
    session: Session, *, actor: Staff, task_id: int, now: datetime, timezone: tzinfo
) -> dict[str, Any]:
    task = _task_for(session, actor, task_id)
    return render(
        "tac_summary_modal",
        private_metadata=json.dumps({"task_id": task.id}),
        case_ref=session.get(Case, task.case_id).case_ref,
        due_on=task.due_on,
        today=now.astimezone(timezone).date(),
    )


def record_summary_completed(
    session: Session,
    *,
    actor: Staff,
    task_id: int,
    completed_on_text: Any,
    policy: TacPolicy,
    now: datetime,
    timezone: tzinfo,
) -> dict[str, str] | None:
    """Close the task, set the case's last summary date, tell the manager; or inline errors."""
    task = session.get(TacTask, task_id)
    if task is not None and task.status == "completed":
        return None  # a double submit: already recorded
    task = _task_for(session, actor, task_id)
    today = now.astimezone(timezone).date()
    completed_on = parse_date(completed_on_text)
    if completed_on is None:
        return {"completed_on": "Give the date the summary was completed."}
    if completed_on > today:
        return {"completed_on": "The date can't be in the future."}
    claimed = session.exec(
        update(TacTask)
        .where(col(TacTask.id) == task.id, col(TacTask.status) == "open")
        .values(status="completed", closed_at=now, closed_by=actor.email)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
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


def open_summary_completed(services: Services, slack_user_id: str, task_id: str) -> Reply:
    try:
        with services.make_session() as session:
            actor = find_actor(session, slack_user_id)
            if actor is None:
                return Reply(notice=notice(UNKNOWN_PERSON))
            if not task_id.isdigit():
                raise InvalidRequest("That button no longer works.")
            view = summary_completed_view(
                session,
                actor=actor,
                task_id=int(task_id),
                now=services.now(),
                timezone=services.settings.timezone,
            )
    except AuditbotError as error:
        return Reply(notice=notice(str(error)))
    return Reply(view=view)


def submit_summary_completed(
    services: Services, slack_user_id: str, private_metadata: str, completed_on: Any
) -> dict[str, str] | None:
    task_id = int(json.loads(private_metadata or "{}").get("task_id", 0))
    try:
        with transaction(services.make_session) as session:
            actor = find_actor(session, slack_user_id)
            if actor is None:
                return {"completed_on": UNKNOWN_PERSON}
            errors = record_summary_completed(
                session,
                actor=actor,
                task_id=task_id,
                completed_on_text=completed_on,
                policy=services.policy.tac,
                now=services.now(),
                timezone=services.settings.timezone,
            )
    except AuditbotError as error:
        return {"completed_on": str(error)}
    except IntegrityError:  # a double submit: the other one recorded it
        return None
    services.deliver_soon()
    return errors
