"""The floor of the daily tick: hand-written SQL that finds the same due items.

One query per kind of scheduled work, each fetching only the columns the message needs, plus
the same pure date rules the application applies (bot.booking.rules, bot.tac.rules…). It
writes nothing and renders nothing: it is the least any implementation must do to know what is
due, so the tick's time divided by this one says how much the application adds on top.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.booking.rules import due_reminder, engagement_prompt_due, follow_up_due
from bot.core.calendar import WorkingCalendar
from bot.policy.schema import Policy, TacInterval
from bot.selection.draw import month_due_for_scheduled_draw
from bot.selection.eligibility import Criteria
from bot.tac.rules import (
    add_interval,
    month_end_list_due,
    summary_status,
    task_reminder_due,
    weekly_digest_due,
)

Q_LOOKUPS = """
SELECT id FROM staff
WHERE status = 'active' AND slack_user_id IS NULL
  AND (slack_lookup IS NULL OR slack_lookup_at IS NULL OR slack_lookup_at < :cut)
"""
Q_ROUND = "SELECT id FROM selectionround WHERE month = :month"
Q_MANAGERS = """
SELECT id, team_id, roles FROM staff
WHERE status = 'active' AND roles LIKE '%team_manager%' ORDER BY email
"""
Q_POOLS = """
SELECT c.team_id, count(*) FROM "case" c
WHERE c.status = 'open' AND c.case_type IN ({types}) AND c.opened_on <= :opened
  AND c.id NOT IN (
    SELECT s.case_id FROM selection s JOIN selectionround r ON r.id = s.round_id
    WHERE s.status = 'selected' AND s.case_id IS NOT NULL
      AND r.month >= :since AND r.month < :month)
GROUP BY c.team_id
"""
Q_RUN_DONE = "SELECT id FROM tacschedulerun WHERE kind = :kind AND period = :period"
Q_MANAGED_TEAMS = """
SELECT DISTINCT manager_id, team_id FROM staff
WHERE status = 'active' AND manager_id IS NOT NULL AND team_id IS NOT NULL
"""
Q_TAC_ATTENTION = """
SELECT c.id, c.team_id, c.worker_id, c.tac_last_summary_on, c.opened_on, t.team_type,
       w.newly_qualified
FROM "case" c JOIN team t ON t.id = c.team_id JOIN staff w ON w.id = c.worker_id
WHERE c.status = 'open' AND c.case_type = 'TAC'
  AND ((t.team_type = 'long_term' AND COALESCE(c.tac_last_summary_on, c.opened_on) <= :long_cut)
       OR (t.team_type <> 'long_term'
           AND COALESCE(c.tac_last_summary_on, c.opened_on) <= :short_cut))
"""
Q_TAC_REMINDERS = """
SELECT tk.id, tk.due_on, tk.created_at, tk.practitioner_id, tk.manager_id, c.case_ref
FROM tactask tk JOIN "case" c ON c.id = tk.case_id
WHERE tk.status = 'open' AND tk.reminded_at IS NULL AND tk.due_on >= :today
  AND tk.due_on <= :horizon
"""
Q_BOOKINGS = """
SELECT b.id, b.starts_at, b.duration_minutes, b.created_at, s.manager_id, c.worker_id, c.case_ref
FROM booking b JOIN selection s ON s.id = b.selection_id JOIN "case" c ON c.id = s.case_id
WHERE b.status = 'booked' AND b.starts_at >= :since
"""
Q_ENGAGEMENTS = """
SELECT e.id, e.planned_on, e.method, s.manager_id, c.case_ref
FROM familyengagement e JOIN selection s ON s.id = e.selection_id
JOIN "case" c ON c.id = s.case_id
WHERE e.status = 'planned' AND e.planned_on < :today
  AND NOT EXISTS (
    SELECT 1 FROM outboxmessage o
    WHERE o.idempotency_key
      = 'engagement:' || CAST(e.id AS TEXT) || ':outcome:' || CAST(e.planned_on AS TEXT))
"""
Q_ALERTS = """
SELECT a.id, a.raised_at, au.manager_id, c.case_ref
FROM safeguardingalert a JOIN audit au ON au.id = a.audit_id
JOIN selection s ON s.id = au.selection_id JOIN "case" c ON c.id = s.case_id
WHERE a.acknowledged_by IS NULL
"""
Q_ACTIONS = """
SELECT aa.id, aa.due_on, aa.created_at, aa.owner_id, au.manager_id, c.case_ref
FROM auditaction aa JOIN audit au ON au.id = aa.audit_id
JOIN selection s ON s.id = au.selection_id JOIN "case" c ON c.id = s.case_id
WHERE aa.status = 'open' AND aa.due_on >= :today AND aa.due_on <= :horizon
"""


@dataclass
class FloorResult:
    seconds: float
    queries: int
    items: dict[str, int] = field(default_factory=dict)


class _Values:
    """Parameters and results as each database stores them (SQLite: text, naive UTC)."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def moment(self, value: datetime) -> Any:
        if self.sqlite:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    @staticmethod
    def read_day(value: Any) -> date:
        return date.fromisoformat(value) if isinstance(value, str) else value

    @staticmethod
    def read_moment(value: Any) -> datetime:
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def _latest_with_next_due_by(limit: date, interval: TacInterval) -> date:
    """The latest last-summary date whose next summary falls due on or before `limit`."""
    day = limit - timedelta(days=(interval.weeks or 0) * 7 + (interval.months or 0) * 31)
    while add_interval(day + timedelta(days=1), interval) <= limit:
        day += timedelta(days=1)
    return day


def find_due_items(
    engine: Engine, now: datetime, policy: Policy, calendar: WorkingCalendar
) -> FloorResult:
    """Run the floor's query set once; returns its time and what it found, by kind."""
    values = _Values(engine.dialect.name)
    started = time.perf_counter()
    queries = 0
    items: dict[str, int] = {}
    local_now = now.astimezone(calendar.timezone).replace(tzinfo=None)
    today = local_now.date()

    with engine.connect() as connection:

        def run(sql: str, **params: Any) -> list[Any]:
            nonlocal queries
            queries += 1
            return connection.execute(text(sql), params).all()

        items["slack_lookups"] = len(run(Q_LOOKUPS, cut=values.moment(now - timedelta(days=1))))
        items["selection_dms"] = _selection(run, values, policy, calendar, now)
        managers = run(Q_MANAGERS)
        items["tac_digests"] = _digests(run, values, policy, calendar, local_now, managers)
        month = month_end_list_due(policy.tac, calendar, local_now)
        done = month is None or run(Q_RUN_DONE, kind="month_end_list", period=str(month))
        items["tac_month_end"] = 0 if done else -1  # -1: due (the admins are listed then)
        items["tac_reminders"] = _tac_reminders(run, values, policy, calendar, local_now)
        bookings = run(Q_BOOKINGS, since=values.moment(now - timedelta(days=31)))
        reminders = followups = 0
        for _id, starts, minutes, created, _mgr, _worker, _ref in bookings:
            starts_at, created_at = values.read_moment(starts), values.read_moment(created)
            if due_reminder(starts_at, created_at, now, policy, calendar) is not None:
                reminders += 2
            if follow_up_due(starts_at + timedelta(minutes=minutes), now, calendar):
                followups += 1
        items["booking_reminders"] = reminders
        items["booking_followups"] = followups
        items["engagement_prompts"] = sum(
            1
            for _id, planned_on, *_ in run(Q_ENGAGEMENTS, today=values.day(today))
            if engagement_prompt_due(values.read_day(planned_on), now, policy, calendar)
        )
        items["alerts"] = _alerts(run, values, policy, calendar, now)
        items["action_reminders"] = _actions(run, values, policy, calendar, now, today)
    seconds = time.perf_counter() - started
    return FloorResult(seconds=seconds, queries=queries, items=items)


def _selection(
    run: Any, values: _Values, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> int:
    month = month_due_for_scheduled_draw(policy, calendar, calendar.timezone, now)
    if month is None or run(Q_ROUND, month=str(month)):
        return 0
    criteria = Criteria.for_month(policy, month)
    types = ", ".join(f":t{i}" for i in range(len(criteria.case_types)))
    pools = dict(
        run(
            Q_POOLS.format(types=types),
            opened=values.day(criteria.opened_on_or_before),
            since=criteria.not_selected_since,
            month=str(month),
            **{f"t{i}": case_type for i, case_type in enumerate(criteria.case_types)},
        )
    )
    drawn = 0
    left = dict(pools)
    for _id, team_id, roles in run(Q_MANAGERS):
        if team_id is None or "team_manager" not in roles.split(";"):
            continue
        if left.get(team_id, 0) > 0:
            left[team_id] -= 1
            drawn += 1
    return drawn


def _digests(
    run: Any,
    values: _Values,
    policy: Policy,
    calendar: WorkingCalendar,
    local_now: datetime,
    managers: list[Any],
) -> int:
    nominal = weekly_digest_due(policy.tac, calendar, local_now)
    if nominal is None or run(Q_RUN_DONE, kind="weekly_digest", period=nominal.isoformat()):
        return 0
    today = local_now.date()
    limit = today + timedelta(days=policy.tac.due_soon_days)
    rows = run(
        Q_TAC_ATTENTION,
        short_cut=values.day(_latest_with_next_due_by(limit, policy.tac.cadence.short_term)),
        long_cut=values.day(_latest_with_next_due_by(limit, policy.tac.cadence.long_term)),
    )
    workers_by_team: dict[int, set[int]] = defaultdict(set)
    for _id, team_id, worker_id, last, opened_on, team_type, newly_qualified in rows:
        status = summary_status(
            values.read_day(last) if last is not None else None,
            team_type=team_type,
            newly_qualified=bool(newly_qualified),
            today=today,
            policy=policy.tac,
            opened_on=values.read_day(opened_on),
        )
        if status.needs_attention:
            workers_by_team[team_id].add(worker_id)
    managed: dict[int, set[int]] = defaultdict(set)
    for manager_id, team_id in run(Q_MANAGED_TEAMS):
        managed[manager_id].add(team_id)
    digests = 0
    for manager_id, team_id, roles in managers:
        if "team_manager" not in roles.split(";"):
            continue
        teams = managed[manager_id] | ({team_id} if team_id else set())
        if any(workers_by_team[team] - {manager_id} for team in teams):
            digests += 1
    return digests


def _tac_reminders(
    run: Any, values: _Values, policy: Policy, calendar: Any, local_now: datetime
) -> int:
    rules = policy.tac
    if not rules.task_reminder_working_days_before:
        return 0
    today = local_now.date()
    horizon = calendar.add_working_days(today, rules.task_reminder_working_days_before)
    rows = run(Q_TAC_REMINDERS, today=values.day(today), horizon=values.day(horizon))
    return sum(
        1
        for _id, due_on, created, *_ in rows
        if task_reminder_due(
            due_on=values.read_day(due_on),
            created_on=values.read_moment(created).astimezone(calendar.timezone).date(),
            policy=rules,
            calendar=calendar,
            local_now=local_now,
        )
    )


def _alerts(run: Any, values: _Values, policy: Policy, calendar: Any, now: datetime) -> int:
    hours = policy.audit.alert_acknowledge_working_hours
    add_hours = getattr(calendar, "add_working_hours", None)
    return sum(
        1
        for _id, raised, *_ in run(Q_ALERTS)
        if add_hours is None or now >= add_hours(values.read_moment(raised), hours)
    )


def _actions(
    run: Any, values: _Values, policy: Policy, calendar: Any, now: datetime, today: date
) -> int:
    rules = policy.audit
    if not rules.action_reminder_working_days_before or not calendar.is_working_time(now):
        return 0
    horizon = calendar.add_working_days(today, rules.action_reminder_working_days_before)
    found = 0
    for _id, due_on, created, *_ in run(
        Q_ACTIONS, today=values.day(today), horizon=values.day(horizon)
    ):
        remind_on = calendar.add_working_days(
            values.read_day(due_on), -rules.action_reminder_working_days_before
        )
        created_at = values.read_moment(created)
        if now >= calendar.at(remind_on, rules.action_reminder_time) and (
            created_at.date() < remind_on
        ):
            found += 1
    return found


OUTBOX_COLUMNS = (
    "idempotency_key, method, recipient_staff_id, channel, payload, concern, status, attempts,"
    " next_attempt_at, created_at"
)
# The payload as the JSON text it is stored as (PostgreSQL would hand back a dict).
READ_OUTBOX_COLUMNS = OUTBOX_COLUMNS.replace("payload", "CAST(payload AS TEXT) AS payload")


def write_floor(engine: Engine, after_id: int) -> tuple[float, int]:
    """The least time to write what a tick queued: its outbox rows (those after `after_id`,
    payloads already rendered) inserted again by one executemany in one transaction, rolled
    back. With `find_due_items` it bounds from below any tick that renders and queues them."""
    with engine.connect() as connection:
        rows = [
            {**row._mapping, "idempotency_key": f"floor:{row.idempotency_key}"}
            for row in connection.execute(
                text(f"SELECT {READ_OUTBOX_COLUMNS} FROM outboxmessage WHERE id > :after"),
                {"after": after_id},
            )
        ]
    if not rows:
        return 0.0, 0
    placeholders = ", ".join(f":{name.strip()}" for name in OUTBOX_COLUMNS.split(","))
    insert = text(f"INSERT INTO outboxmessage ({OUTBOX_COLUMNS}) VALUES ({placeholders})")
    with engine.connect() as connection:
        started = time.perf_counter()
        transaction = connection.begin()
        connection.execute(insert, rows)
        seconds = time.perf_counter() - started
        transaction.rollback()
    return seconds, len(rows)


def commit_floor(engine: Engine, commits: int) -> float:
    """The least time to commit `commits` transactions that each write (one outbox row, the
    smallest write a job makes): one commit per job that committed in the tick. The rows are
    deleted afterwards, outside the time."""
    insert = text(
        "INSERT INTO outboxmessage (idempotency_key, method, payload, concern, status, priority,"
        " attempts, next_attempt_at, created_at) VALUES (:key, 'chat.postMessage', '{}',"
        " 'floor', 'withdrawn', 2, 0, :now, :now)"
    )
    now = datetime.now(UTC)
    seconds = 0.0
    with engine.connect() as connection:
        for number in range(commits):
            started = time.perf_counter()
            with connection.begin():
                connection.execute(insert, {"key": f"floor:commit:{number}", "now": now})
            seconds += time.perf_counter() - started
        with connection.begin():
            connection.execute(text("DELETE FROM outboxmessage WHERE concern = 'floor'"))
    return seconds
