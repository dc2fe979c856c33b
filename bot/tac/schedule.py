"""Scheduled TAC work, computed from the database at `now` (see scheduler/jobs.py):

- the weekly digest: each team manager with something to consider gets one DM listing their
  teams' TAC cases that are never summarised, overdue or due soon, by practitioner;
- the month-end list: each audit administrator gets the summaries completed that month as a DM
  and a CSV file;
- task reminders: a practitioner is reminded once, a few working days before a summary is due.

Each is done once per period: a `TacScheduleRun` row (unique per kind and period) and the
messages' idempotency keys make a re-run, or a second instance, send nothing new.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from bot.core import auditlog
from bot.core.months import Month
from bot.core.outbox import queue_dm, queue_file_dm
from bot.core.tick import Tick
from bot.policy.schema import Policy
from bot.tac.cases import (
    TacCase,
    WorkerRef,
    summaries_due_blocks,
    summaries_due_by_manager,
    team_managers,
)
from bot.tac.checkpoint import task_message_key
from bot.tac.rules import (
    latest_due_reminded_by,
    month_end_list_due,
    task_reminder_due,
    weekly_digest_due,
)
from messages import mention, render
from models import Case, Staff, TacScheduleRun, TacSummary, TacTask, Team
from models.db import rows_by_id
from models.statuses import StaffStatus, TacTaskStatus

log = logging.getLogger(__name__)

WEEKLY_DIGEST = "weekly_digest"
MONTH_END_LIST = "month_end_list"
DIGEST_MAX_PRACTITIONERS = 15  # at most 3 blocks each, under Slack's 50 blocks a message
DIGEST_MAX_CASES = 20  # per practitioner; the checkpoint itself lists them all
MONTH_END_MAX_LINES = 100  # per part of the DM; the CSV file has every row


@dataclass
class TacScheduleReport:
    digests: int = 0
    month_end_lists: int = 0
    reminders: int = 0

    def describe(self) -> list[str]:
        parts = []
        if self.digests:
            parts.append(f"queued {self.digests} TAC digest(s)")
        if self.month_end_lists:
            parts.append(f"queued {self.month_end_lists} TAC month-end list(s)")
        if self.reminders:
            parts.append(f"queued {self.reminders} TAC task reminder(s)")
        return parts


def _claim_period(session: Session, kind: str, period: str, now: datetime) -> TacScheduleRun | None:
    """The period's run row, new; None when it was done already (a re-run)."""
    done = session.exec(
        select(TacScheduleRun.id).where(
            TacScheduleRun.kind == kind, TacScheduleRun.period == period
        )
    ).first()
    if done is not None:
        return None
    run = TacScheduleRun(kind=kind, period=period, ran_at=now)
    session.add(run)
    session.flush()  # a concurrent instance's insert fails here, or at commit
    return run


# -- the weekly digest ---------------------------------------------------------------------------


def send_weekly_digests(session: Session, tick: Tick) -> int:
    policy, calendar, local_now, now = tick.policy, tick.calendar, tick.local_now, tick.now
    nominal = weekly_digest_due(policy.tac, calendar, local_now)
    if nominal is None:
        return 0
    run = _claim_period(session, WEEKLY_DIGEST, nominal.isoformat(), now)
    if run is None:
        return 0
    today = local_now.date()
    sent = 0
    managers = team_managers(session)
    # Every manager's in one query set, whatever the authority's size.
    due = summaries_due_by_manager(session, policy=policy.tac, today=today, managers=managers)
    for manager in managers:
        if due[manager.id]:
            _queue_digest(
                session, policy, manager, due[manager.id], nominal.isoformat(), today, now
            )
            sent += 1
    run.recipients = sent
    session.add(run)
    auditlog.record(
        session,
        actor="scheduler",
        action="tac.digest.send",
        subject=f"tac-digest:{nominal.isoformat()}",
        now=now,
        managers=sent,
    )
    return sent


def _queue_digest(
    session: Session,
    policy: Policy,
    manager: Staff,
    cases: list[TacCase],
    period: str,
    today: date,
    now: datetime,
) -> None:
    groups = [
        (worker, _practitioner_blocks(worker, items))
        for worker, items in _by_practitioner(cases)[:DIGEST_MAX_PRACTITIONERS]
    ]
    more = _by_practitioner(cases)[DIGEST_MAX_PRACTITIONERS:]
    queue_dm(
        session,
        key=f"tac-digest:{manager.id}:{period}",
        recipient=manager,
        message=render(
            "tac_weekly_digest",
            groups=groups,
            more_practitioners=more,
            total=len(cases),
            today=today,
            due_soon_days=policy.tac.due_soon_days,
        ),
        concern=f"tac-digest:{period}",
        now=now,
    )


def _practitioner_blocks(worker: WorkerRef, items: list[TacCase]) -> list[dict[str, Any]]:
    count = len(items)
    title = (
        f"*{mention(worker)}*{' (newly qualified)' if worker.newly_qualified else ''}"
        f" — {count} case{'' if count == 1 else 's'}"
    )
    left_out = count - DIGEST_MAX_CASES
    more = f"…and {left_out} more, all listed in the checkpoint." if left_out > 0 else ""
    return summaries_due_blocks(items[:DIGEST_MAX_CASES], title=title, with_worker=False, more=more)


def _by_practitioner(cases: list[TacCase]) -> list[tuple[WorkerRef, list[TacCase]]]:
    groups: dict[int, tuple[WorkerRef, list[TacCase]]] = {}
    for item in cases:
        groups.setdefault(item.worker.id, (item.worker, []))[1].append(item)
    return sorted(groups.values(), key=lambda group: (group[0].name, group[0].id))


# -- the month-end list ---------------------------------------------------------------------------


def send_month_end_lists(session: Session, tick: Tick) -> int:
    policy, calendar, local_now, now = tick.policy, tick.calendar, tick.local_now, tick.now
    month = month_end_list_due(policy.tac, calendar, local_now)
    if month is None:
        return 0
    run = _claim_period(session, MONTH_END_LIST, str(month), now)
    if run is None:
        return 0
    admins = [
        person
        for person in session.exec(
            select(Staff)
            .where(Staff.status == StaffStatus.ACTIVE, col(Staff.roles).contains("admin"))
            .order_by(Staff.email)
        ).all()
        if person.has_role("admin")
    ]
    rows = session.exec(
        select(TacSummary, Case, Staff, Team)
        .join(Case, col(Case.id) == TacSummary.case_id)
        .join(Staff, col(Staff.id) == TacSummary.practitioner_id)
        .join(Team, col(Team.id) == TacSummary.team_id)
        .where(TacSummary.completed_on <= month.last_day)
        .where(
            or_(
                col(TacSummary.listed_in_month).is_(None),
                col(TacSummary.listed_in_month) == str(month),
            )
        )
        .order_by(col(TacSummary.completed_on), col(Case.case_ref))
    ).all()
    if not admins:
        log.warning("no active administrator to send the %s TAC summary list to", month)
    for summary, *_ in rows if admins else []:
        summary.listed_in_month = str(month)  # listed once: a late recording goes in the next
        session.add(summary)
    message = render(
        "tac_month_end_list",
        month=month,
        rows=[row for row in rows if row[0].completed_on >= month.first_day],
        late_rows=[row for row in rows if row[0].completed_on < month.first_day],
        max_lines=MONTH_END_MAX_LINES,
    )
    for admin in admins:
        queue_dm(
            session,
            key=f"tac-month-end:{month}:{admin.id}",
            recipient=admin,
            message=message,
            concern=f"tac-month-end:{month}",
            now=now,
        )
        if rows:
            _queue_csv(session, admin, month, rows, now)
    run.recipients = len(admins)
    session.add(run)
    auditlog.record(
        session,
        actor="scheduler",
        action="tac.month_end.send",
        subject=f"tac-month-end:{month}",
        now=now,
        summaries=len(rows),
        admins=len(admins),
    )
    return len(admins)


def _queue_csv(
    session: Session, admin: Staff, month: Month, rows: list[Any], now: datetime
) -> None:
    queue_file_dm(
        session,
        key=f"tac-month-end-csv:{month}:{admin.id}",
        recipient=admin,
        filename=f"tac-summaries-{month}.csv",
        title=f"TAC summaries completed, {month.label}",
        content=month_end_csv(rows),
        comment=f"TAC reflective case summaries completed in {month.label} (CSV).",
        concern=f"tac-month-end:{month}",
        now=now,
    )


def month_end_csv(rows: list[Any]) -> str:
    """case_ref, practitioner, team, completed_on, recorded_on, recorded_by."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["case_ref", "practitioner", "team", "completed_on", "recorded_on", "recorded_by"]
    )
    for summary, case, practitioner, team in rows:
        writer.writerow(
            [
                _cell(case.case_ref),
                _cell(practitioner.name),
                _cell(team.name),
                summary.completed_on.isoformat(),
                summary.recorded_at.date().isoformat(),
                _cell(summary.recorded_by),
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


# -- task reminders -------------------------------------------------------------------------------


def send_task_reminders(session: Session, tick: Tick) -> int:
    policy, calendar, timezone, now = tick.policy, tick.calendar, tick.timezone, tick.now
    local_now = now.astimezone(timezone).replace(tzinfo=None)
    today: date = local_now.date()
    latest_due = latest_due_reminded_by(today, policy.tac, calendar)
    if latest_due is None:
        return 0
    tasks = session.exec(
        select(TacTask)
        .where(TacTask.status == TacTaskStatus.OPEN, col(TacTask.reminded_at).is_(None))
        .where(TacTask.due_on >= today, TacTask.due_on <= latest_due)
        .order_by(col(TacTask.id))
    ).all()
    loaded = [
        *rows_by_id(session, Case, (task.case_id for task in tasks)).values(),
        *rows_by_id(
            session, Staff, [t.practitioner_id for t in tasks] + [t.manager_id for t in tasks]
        ).values(),
    ]  # two queries, not three a task (kept referenced for the identity map)
    sent = 0
    for task in tasks:
        if not task_reminder_due(
            due_on=task.due_on,
            created_on=task.created_at.astimezone(timezone).date(),
            policy=policy.tac,
            calendar=calendar,
            local_now=local_now,
        ):
            continue
        task.reminded_at = now
        session.add(task)
        case = session.get(Case, task.case_id)
        queue_dm(
            session,
            key=f"tac-task-reminder:{task.id}",
            recipient=session.get(Staff, task.practitioner_id),
            message=render(
                "tac_task_dm",
                case_ref=case.case_ref,
                manager=session.get(Staff, task.manager_id),
                held_on=None,
                due_on=task.due_on,
                task_id=task.id,
                replaces=None,
                reminder=True,
            ),
            concern=task_message_key(task),
            now=now,
        )
        auditlog.record(
            session,
            actor="scheduler",
            action="tac.task.remind",
            subject=f"tac-task:{task.id}",
            now=now,
            case=case.case_ref,
            due_on=task.due_on.isoformat(),
        )
        sent += 1
    del loaded
    return sent
