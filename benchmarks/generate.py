"""A deterministic large authority with five years of history, for the benchmarks.

    python -m benchmarks.generate --scale 1 [--database-url URL] [--replace]

At scale 1: 150 teams, 1,500 staff (150 team managers, 30 service managers, 8 heads of
service, 12 administrators, 1,300 practitioners), 30,000 open cases (plus 10,000 closed during
the history) and 60 months of history up to the benchmark's busy day (Monday 1 June 2026, the
month's first working day): monthly selection rounds and selections with re-draws, bookings
(moved, held, not held, cancelled, a few never answered), contact with the family, audits with
grades, SMART actions and safeguarding alerts, TAC supervisions with their decisions, tasks and
completed summaries, the TAC weekly digests and month-end lists, the audit log, and every
message as a sent outbox row. Re-audits / moderation are not generated: the models have no
table for them yet. Scales multiply every count (fractions work: 0.01 is 2 teams); the history
is always 60 months.

The schema comes from the project's own Alembic migrations; rows are written with bulk inserts
(`session.execute(insert(table), rows)`) in foreign-key order. The same scale and seed give the
same rows. The generation parameters are recorded in the audit log (action
`benchmark.generate`), where `benchmarks.run` finds the busy day.
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, inspect, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.policy.schema import Policy
from bot.privacy.retention import sweep_day
from bot.selection.eligibility import Criteria
from bot.tac.rules import TAC_CASE_TYPE, summary_status
from models import (
    Audit,
    AuditAction,
    AuditLogEntry,
    Booking,
    Case,
    FamilyEngagement,
    OutboxMessage,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    TacDecision,
    TacScheduleRun,
    TacSummary,
    TacSupervision,
    TacTask,
    Team,
)
from models.db import create_db_engine, upgrade_database
from models.statuses import Priority

LONDON = ZoneInfo("Europe/London")
# The benchmark's busy day: the first working day of June 2026 is a Monday, so the tick draws
# the month, sends the TAC weekly digest and the reminders due that morning.
BUSY_DAY = datetime(2026, 6, 1, 9, 5, tzinfo=LONDON)
SEED = 20261123
HISTORY_MONTHS = 60
GENERATOR_ACTION = "benchmark.generate"

AT_SCALE_1 = {
    "teams": 150,
    "staff": 1500,
    "service_managers": 30,
    "heads_of_service": 8,
    "admins": 12,
    "open_cases": 30_000,
    "closed_cases": 10_000,
}
CASE_TYPES = (("CP", 0.20), ("LAC", 0.25), ("CIN", 0.30), ("TAC", 0.15), ("EH", 0.10))
GRADES = ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"]
GRADE_WEIGHTS = [0.08, 0.52, 0.33, 0.07]
# Foreign-key order: every flush writes the buffers in this order.
TABLES: list[type[SQLModel]] = [
    Team,
    Staff,
    Case,
    SelectionRound,
    Selection,
    Booking,
    FamilyEngagement,
    Audit,
    AuditAction,
    SafeguardingAlert,
    TacSupervision,
    TacDecision,
    TacTask,
    TacSummary,
    TacScheduleRun,
    OutboxMessage,
    AuditLogEntry,
]


def default_database_url(scale: float) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:////tmp/auditbot-bench-s{scale:g}.db"


def counts_for(scale: float) -> dict[str, int]:
    """The authority's size at `scale` (at least one of everything)."""
    sized = {name: max(1, round(value * scale)) for name, value in AT_SCALE_1.items()}
    sized["team_managers"] = sized["teams"]
    fixed = sum(
        sized[k] for k in ("team_managers", "service_managers", "heads_of_service", "admins")
    )
    sized["practitioners"] = max(sized["teams"], sized["staff"] - fixed)
    sized["staff"] = fixed + sized["practitioners"]
    return sized


# -- writing -------------------------------------------------------------------------------------


class BulkWriter:
    """Buffers rows per table and writes them all, in foreign-key order, in big batches."""

    def __init__(self, session: Session, batch: int = 20_000) -> None:
        self.session = session
        self.batch = batch
        self.buffers: dict[type[SQLModel], list[dict[str, Any]]] = {t: [] for t in TABLES}
        self.ids: dict[type[SQLModel], int] = defaultdict(int)
        self.written: dict[str, int] = defaultdict(int)
        self._pending = 0
        self._columns = {t: [c.name for c in t.__table__.columns] for t in TABLES}

    def next_id(self, table: type[SQLModel]) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add(self, table: type[SQLModel], **row: Any) -> int:
        """Buffer a row (written at the next flush; until then it may still be changed)."""
        if "id" not in row:
            row["id"] = self.next_id(table)
        self.buffers[table].append(row)
        self._pending += 1
        return row["id"]

    def maybe_flush(self) -> None:
        """Write the buffers if they are big; called where no buffered row is changed later."""
        if self._pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        for table in TABLES:
            rows = self.buffers[table]
            if not rows:
                continue
            columns = self._columns[table]
            full = [{name: row.get(name) for name in columns} for row in rows]
            self.session.execute(insert(table.__table__), full)
            self.written[table.__tablename__] += len(rows)
            rows.clear()
        self._pending = 0


# -- time helpers --------------------------------------------------------------------------------


class Clock:
    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._days: dict[Month, list[date]] = {}

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, clock(hour, minute), tzinfo=LONDON).astimezone(UTC)

    def working_days(self, month: Month) -> list[date]:
        if month not in self._days:
            day, days = month.first_day, []
            while day <= month.last_day:
                if self.calendar.is_working_day(day):
                    days.append(day)
                day += timedelta(days=1)
            self._days[month] = days
        return self._days[month]


class Outbox:
    """History messages: all sent (a few failed for good), small payloads."""

    def __init__(self, writer: BulkWriter, rng: random.Random) -> None:
        self.writer = writer
        self.rng = rng
        self.ts = 0

    def sent(
        self,
        key: str,
        *,
        concern: str,
        at: datetime,
        recipient: dict[str, Any] | None = None,
        channel: str | None = None,
        method: str = "chat.postMessage",
        text_: str = "",
    ) -> None:
        self.ts += 1
        target = channel or (recipient or {}).get("slack_user_id")
        failed = target is None or self.rng.random() < 0.002
        dm = "D" + target[1:] if target and target[:1] == "U" else target
        self.writer.add(
            OutboxMessage,
            idempotency_key=key,
            method=method,
            recipient_staff_id=recipient["id"] if recipient else None,
            channel=target,
            payload={
                "text": text_ or key,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text_ or key}}],
            },
            concern=concern,
            status="failed" if failed else "sent",
            priority=Priority.ROUTINE,
            attempts=1,
            next_attempt_at=at,
            last_error=("account_inactive" if target else "not on Slack") if failed else None,
            created_at=at,
            sent_at=None if failed else at + timedelta(seconds=2),
            slack_channel=None if failed else dm,
            slack_ts=None if failed else f"{int(at.timestamp())}.{self.ts % 1_000_000:06d}",
        )


# -- the generator -------------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        session: Session,
        scale: float,
        *,
        seed: int = SEED,
        busy_day: datetime = BUSY_DAY,
        history_months: int = HISTORY_MONTHS,
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.busy_day = busy_day
        self.today = busy_day.astimezone(LONDON).date()
        self.rng = random.Random(f"{seed}:{scale}")
        self.policy = Policy()
        self.calendar = WorkingCalendar("ENG", LONDON)
        self.clock = Clock(self.calendar)
        self.w = BulkWriter(session)
        self.outbox = Outbox(self.w, self.rng)
        self.session = session
        self.counts = counts_for(scale)
        busy_month = Month.of(self.today)
        self.months = [busy_month.plus(k) for k in range(-history_months, 0)]
        self.start_day = self.months[0].first_day
        self.staff_by_id: dict[int, dict[str, Any]] = {}
        self.case_meta: dict[int, dict[str, Any]] = {}

    def log(self, at: datetime, actor: str, action: str, subject: str, **details: Any) -> None:
        self.w.add(
            AuditLogEntry, at=at, actor=actor, action=action, subject=subject, details=details
        )

    def run(self) -> dict[str, int]:
        self.people()
        self.cases()
        self.selections()
        self.tac()
        self.tac_schedule_runs()
        self.w.flush()
        self.finish()
        return dict(self.w.written)

    # -- people ------------------------------------------------------------------------------

    def _person(self, email: str, name: str, roles: str, **extra: Any) -> dict[str, Any]:
        row_id = self.w.next_id(Staff)
        row = {
            "id": row_id,
            "email": email,
            "name": name,
            "roles": roles,
            "team_id": None,
            "manager_id": None,
            "slack_user_id": f"U{row_id:08d}",
            "slack_lookup": "found",
            "slack_lookup_at": None,
            "newly_qualified": False,
            "status": "active",
            **extra,
        }
        self.staff_by_id[row_id] = row
        return row

    def people(self) -> None:
        c, rng = self.counts, self.rng
        domain = "bench.example.gov.uk"
        self.teams = []
        for index in range(c["teams"]):
            team_id = self.w.add(
                Team,
                name=f"Team {index + 1:04d}",
                service_area=f"Area {index * c['service_managers'] // c['teams'] + 1:03d}",
                team_type="short_term" if rng.random() < 0.6 else "long_term",
                channel_id=f"C{index + 1:08d}",
            )
            self.teams.append({"id": team_id, "index": index})
        for team in self.teams:
            team["team_type"] = self.w.buffers[Team][team["index"]]["team_type"]
        heads = [
            self._person(f"hos-{i + 1:03d}@{domain}", f"Head {i + 1}", "head_of_service")
            for i in range(c["heads_of_service"])
        ]
        service_managers = [
            self._person(
                f"sm-{i + 1:03d}@{domain}",
                f"Service Manager {i + 1}",
                "service_manager",
                manager_id=heads[i % len(heads)]["id"],
            )
            for i in range(c["service_managers"])
        ]
        self.admins = [
            self._person(f"qa-{i + 1:03d}@{domain}", f"QA Admin {i + 1}", "admin")
            for i in range(c["admins"])
        ]
        self.tms = []
        for team in self.teams:
            sm = service_managers[team["index"] * len(service_managers) // len(self.teams)]
            self.tms.append(
                self._person(
                    f"tm-{team['index'] + 1:04d}@{domain}",
                    f"Team Manager {team['index'] + 1}",
                    "team_manager",
                    team_id=team["id"],
                    manager_id=sm["id"],
                )
            )
        self.workers_by_team: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for i in range(c["practitioners"]):
            team = self.teams[i % len(self.teams)]
            tm = self.tms[team["index"]]
            person = self._person(
                f"sw-{i + 1:05d}@{domain}",
                f"Practitioner {i + 1}",
                "practitioner",
                team_id=team["id"],
                manager_id=tm["id"],
                newly_qualified=rng.random() < 0.1,
            )
            if rng.random() < 0.01:  # not on Slack: looked up this morning, not found
                person.update(
                    slack_user_id=None,
                    slack_lookup="not_found",
                    slack_lookup_at=self.busy_day - timedelta(hours=2),
                )
            self.workers_by_team[team["id"]].append(person)
        for row in sorted(self.staff_by_id.values(), key=lambda r: r["id"]):
            self.w.add(Staff, **row)

    # -- cases -------------------------------------------------------------------------------

    def cases(self) -> None:
        c, rng = self.counts, self.rng
        types = [t for t, _ in CASE_TYPES]
        weights = [w for _, w in CASE_TYPES]
        span = (self.today - self.start_day).days
        total = c["open_cases"] + c["closed_cases"]
        self.eligible_by_team: dict[int, list[tuple[date, int]]] = defaultdict(list)
        self.tac_by_worker: dict[int, list[int]] = defaultdict(list)
        for i in range(total):
            team = self.teams[i % len(self.teams)]
            worker = rng.choice(self.workers_by_team[team["id"]])
            case_type = rng.choices(types, weights)[0]
            closed = i % total >= c["open_cases"]
            if closed:
                opened = self.start_day + timedelta(days=rng.randrange(span - 60))
                life = (self.today - opened).days
                closed_on = opened + timedelta(days=30 + rng.randrange(max(1, life - 30)))
                closed_month: Month | None = Month.of(closed_on)
            else:
                # Open cases: more recent than old (a case stays open months, rarely years).
                opened = self.today - timedelta(days=int(rng.triangular(7, span, 30)))
                closed_month = None
            case_id = self.w.add(
                Case,
                case_ref=f"CR-{i + 1:07d}",
                team_id=team["id"],
                worker_id=worker["id"],
                case_type=case_type,
                opened_on=opened,
                status="closed" if closed else "open",
                tac_last_summary_on=None,
            )
            self.case_meta[case_id] = {
                "ref": f"CR-{i + 1:07d}",
                "team": team,
                "worker": worker,
                "opened": opened,
                "closed_month": closed_month,
            }
            if case_type in self.policy.selection.eligible_case_types:
                self.eligible_by_team[team["id"]].append((opened, case_id))
            elif case_type == TAC_CASE_TYPE:
                self.tac_by_worker[worker["id"]].append(case_id)
        for pool in self.eligible_by_team.values():
            pool.sort()

    # -- the monthly programme ---------------------------------------------------------------

    def selections(self) -> None:
        last_selected: dict[int, int] = {}
        for index, month in enumerate(self.months):
            self._month(index, month, last_selected, is_last=index == len(self.months) - 1)
            self.w.maybe_flush()

    def _pick(
        self, team_id: int, month: Month, index: int, last_selected: dict[int, int], cutoff: date
    ) -> tuple[int | None, int]:
        pool = self.eligible_by_team.get(team_id, [])
        size = bisect.bisect_right(pool, (cutoff, 1 << 62))
        if not size:
            return None, 0
        window = self.policy.selection.exclude_selected_within_months
        for _ in range(60):
            case_id = pool[self.rng.randrange(size)][1]
            closed = self.case_meta[case_id]["closed_month"]
            recent = index - last_selected.get(case_id, -10_000) < window
            if not recent and (closed is None or closed > month):
                last_selected[case_id] = index
                return case_id, max(1, size - window)
        return None, 0

    def _month(
        self, index: int, month: Month, last_selected: dict[int, int], *, is_last: bool
    ) -> None:
        rng, days = self.rng, self.clock.working_days(month)
        criteria = Criteria.for_month(self.policy, month)
        drawn_at = self.clock.at(days[0], 8)
        due_on = days[-1]
        round_id = self.w.add(
            SelectionRound,
            month=str(month),
            seed=f"bench-{month}",
            drawn_at=drawn_at,
            drawn_by="scheduler",
            criteria=criteria.as_dict(),
        )
        self.log(drawn_at, "scheduler", "selection.draw", str(month), seed=f"bench-{month}")
        for tm in self.tms:
            attempt, case_id, pool = (
                1,
                *self._pick(
                    tm["team_id"], month, index, last_selected, criteria.opened_on_or_before
                ),
            )
            if case_id is not None and rng.random() < 0.03:  # asked for a different case
                old_id = self._selection(round_id, tm, month, 1, case_id, pool, due_on, drawn_at)
                replaced_at = drawn_at + timedelta(hours=3)
                self.w.buffers[Selection][-1].update(
                    status="replaced",
                    replaced_reason="The case is transferring to another team this month.",
                    replaced_by=tm["email"],
                    replaced_at=replaced_at,
                )
                self.outbox.sent(
                    f"selection-replaced:{old_id}",
                    concern=f"selection:{old_id}",
                    at=replaced_at,
                    method="chat.update",
                    channel=tm["slack_user_id"],
                )
                attempt, (case_id, pool) = (
                    2,
                    self._pick(
                        tm["team_id"], month, index, last_selected, criteria.opened_on_or_before
                    ),
                )
            selection_id = self._selection(
                round_id, tm, month, attempt, case_id, pool, due_on, drawn_at
            )
            if case_id is not None:
                self._casework(selection_id, tm, case_id, month, days, drawn_at, is_last)

    def _selection(
        self,
        round_id: int,
        tm: dict[str, Any],
        month: Month,
        attempt: int,
        case_id: int | None,
        pool: int,
        due_on: date,
        at: datetime,
    ) -> int:
        selection_id = self.w.add(
            Selection,
            round_id=round_id,
            manager_id=tm["id"],
            team_id=tm["team_id"],
            attempt=attempt,
            status="selected" if case_id else "no_eligible_case",
            case_id=case_id,
            pool_size=pool,
            draw_seed=f"bench-{month}:{tm['email']}:{attempt}",
            due_on=due_on if case_id else None,
            created_at=at,
        )
        if case_id is not None:
            self.outbox.sent(
                f"selection:{month}:{tm['id']}:{attempt}",
                concern=f"selection:{selection_id}",
                at=at,
                recipient=tm,
            )
        return selection_id

    def _casework(
        self,
        selection_id: int,
        tm: dict[str, Any],
        case_id: int,
        month: Month,
        days: list[date],
        drawn_at: datetime,
        is_last: bool,
    ) -> None:
        """The discussion, the contact with the family and the audit of one selected case."""
        rng, at = self.rng, self.clock.at
        worker = self.case_meta[case_id]["worker"]
        first_half = [d for d in days if 3 <= d.day <= 15] or days
        if rng.random() < 0.9:
            booked_at = drawn_at + timedelta(days=rng.randint(1, 3))
            if rng.random() < 0.1:  # booked, then moved
                moved_id = self._booking(selection_id, tm, rng.choice(first_half), booked_at)
                self.w.buffers[Booking][-1].update(status="moved", closed_at=booked_at)
                booked_at += timedelta(days=1)
                self.outbox.sent(
                    f"booking:{moved_id}:practitioner",
                    concern=f"booking:{moved_id}",
                    at=booked_at,
                    recipient=worker,
                )
            day = rng.choice(first_half)
            booking_id = self._booking(selection_id, tm, day, booked_at)
            row = self.w.buffers[Booking][-1]
            roll = rng.random()
            open_share = 0.12 if is_last else 0.01  # "did it happen?" never answered
            if roll < open_share:
                status = "booked"
            elif roll < 0.86:
                status = "held"
            elif roll < 0.93:
                status = "not_held"
            else:
                status = "cancelled"
            ends = row["starts_at"] + timedelta(minutes=60)
            row.update(
                status=status,
                practitioner_reply="can" if rng.random() < 0.9 else None,
                closed_at=None if status == "booked" else ends + timedelta(hours=2),
                closed_reason="Court hearing moved"
                if status in ("not_held", "cancelled")
                else None,
            )
            self.outbox.sent(
                f"booking:{booking_id}:practitioner",
                concern=f"booking:{booking_id}",
                at=booked_at,
                recipient=worker,
            )
            self.outbox.sent(
                f"selection-state:{selection_id}:booking:{booking_id}:booked",
                concern=f"selection:{selection_id}",
                at=booked_at,
                method="chat.update",
                channel=tm["slack_user_id"],
            )
            if status != "cancelled":
                remind = self.calendar.add_working_days(day, -2)
                for kind, when in (("days", at(remind, 9)), ("hour", row["starts_at"] - HOUR)):
                    if when > booked_at:
                        for person in (worker, tm):
                            self.outbox.sent(
                                f"booking:{booking_id}:reminder:{kind}:{person['id']}",
                                concern=f"booking:{booking_id}",
                                at=when,
                                recipient=person,
                            )
                self.outbox.sent(
                    f"booking:{booking_id}:followup",
                    concern=f"booking-followup:{booking_id}",
                    at=ends,
                    recipient=tm,
                )
            self.log(booked_at, tm["email"], "booking.book", f"booking:{booking_id}")
        if rng.random() < 0.95:
            self._engagement(selection_id, tm, days, drawn_at, is_last)
        self._audit(selection_id, tm, worker, days, drawn_at, is_last)

    def _booking(
        self, selection_id: int, tm: dict[str, Any], day: date, booked_at: datetime
    ) -> int:
        return self.w.add(
            Booking,
            selection_id=selection_id,
            starts_at=self.clock.at(day, self.rng.choice((10, 11, 14))),
            duration_minutes=60,
            place="Meeting room 2",
            status="booked",
            booked_by=tm["id"],
            created_at=booked_at,
            source_view_id=f"V{self.w.ids[Booking]:09d}",
        )

    def _engagement(
        self,
        selection_id: int,
        tm: dict[str, Any],
        days: list[date],
        drawn_at: datetime,
        is_last: bool,
    ) -> None:
        rng = self.rng
        roll = rng.random()
        planned_share = 0.15 if is_last else 0.02  # outcome not recorded yet (or ever)
        outcomes = (
            (planned_share, "planned"),
            (planned_share + 0.2, "not_appropriate"),
            (planned_share + 0.3, "declined"),
            (planned_share + 0.38, "no_contact"),
        )
        status = next((s for limit, s in outcomes if roll < limit), "views_obtained")
        planned_on = None if status == "not_appropriate" else rng.choice(days[len(days) // 2 :])
        if status == "planned" and is_last and rng.random() < 0.3:
            planned_on = days[-1]  # its outcome question is due on the busy day
        engagement_id = self.w.add(
            FamilyEngagement,
            selection_id=selection_id,
            status=status,
            method=None if planned_on is None else rng.choice(("visit", "phone", "video")),
            planned_on=planned_on,
            reason="Not appropriate: the child is in hospital." if status != "planned" else None,
            summary="Wants to stay at the same school." if status == "views_obtained" else None,
            recorded_by=tm["id"],
            updated_at=drawn_at + timedelta(days=5),
        )
        if planned_on is not None:
            prompt_day = self.calendar.add_working_days(planned_on, 1)
            if prompt_day < self.today:
                self.outbox.sent(
                    f"engagement:{engagement_id}:outcome:{planned_on}",
                    concern=f"engagement:{engagement_id}",
                    at=self.clock.at(prompt_day, 9),
                    recipient=tm,
                )
        self.log(drawn_at, tm["email"], f"engagement.{status}", f"selection:{selection_id}")

    def _audit(
        self,
        selection_id: int,
        tm: dict[str, Any],
        worker: dict[str, Any],
        days: list[date],
        drawn_at: datetime,
        is_last: bool,
    ) -> None:
        rng = self.rng
        roll = rng.random()
        submitted_share, draft_share = (0.7, 0.9) if is_last else (0.92, 0.97)
        if roll >= draft_share:
            return
        submitted = roll < submitted_share
        submitted_at = self.clock.at(rng.choice(days[len(days) // 3 :]), 15)
        grades = rng.choices(GRADES, GRADE_WEIGHTS, k=len(self.policy.framework.domains))
        answers: dict[str, Any] = {
            domain.id: {
                "grade": grade,
                "justification": "The plan is reviewed monthly and the child's views are "
                "recorded; management oversight is evident in supervision notes.",
            }
            for domain, grade in zip(self.policy.framework.domains, grades, strict=True)
        }
        concern = "none"
        if submitted:
            answers["final"] = {"impact": "Safer at home; school attendance up.", "actions": "yes"}
            concern_roll = rng.random()
            if concern_roll < 0.005:
                concern = "category_1"
            elif concern_roll < 0.025:
                concern = "category_2"
        audit_id = self.w.add(
            Audit,
            selection_id=selection_id,
            manager_id=tm["id"],
            status="submitted" if submitted else "draft",
            answers=answers,
            framework=self.policy.framework.name,
            overall=rng.choices(GRADES, GRADE_WEIGHTS)[0] if submitted else None,
            concern=concern,
            started_at=drawn_at + timedelta(days=7),
            updated_at=submitted_at,
            submitted_at=submitted_at if submitted else None,
        )
        if not submitted:
            return
        self.log(submitted_at, tm["email"], "audit.submit", f"audit:{audit_id}")
        for audience in ("manager", "practitioner"):
            person = tm if audience == "manager" else worker
            self.outbox.sent(
                f"audit:{audit_id}:result:{audience}",
                concern=f"audit:{audit_id}",
                at=submitted_at,
                recipient=person,
            )
        if concern == "category_1":
            alert_id = self.w.add(
                SafeguardingAlert,
                audit_id=audit_id,
                note="Bruising seen at the last visit was not followed up.",
                raised_at=submitted_at,
                acknowledged_by=tm["manager_id"],
                acknowledged_at=submitted_at + timedelta(hours=1),
            )
            self.outbox.sent(
                f"alert:{alert_id}:1:{tm['manager_id']}",
                concern=f"alert:{alert_id}",
                at=submitted_at,
                recipient=self.staff_by_id[tm["manager_id"]],
            )
        for _ in range(rng.choice((0, 1, 2, 2, 3))):
            due_on = self.calendar.working_day_on_or_before(
                submitted_at.date() + timedelta(days=rng.randint(14, 75))
            )
            done = due_on < self.today - timedelta(days=3) and rng.random() < 0.93
            action_id = self.w.add(
                AuditAction,
                audit_id=audit_id,
                what="Update the chronology and share the plan with the school.",
                owner_id=worker["id"],
                due_on=due_on,
                status="done" if done else "open",
                done_note="Done: chronology updated and plan shared." if done else None,
                done_at=self.clock.at(due_on, 12) if done else None,
                created_at=submitted_at,
            )
            self.outbox.sent(
                f"action:{action_id}",
                concern=f"action:{action_id}",
                at=submitted_at,
                recipient=worker,
            )
            remind_on = self.calendar.add_working_days(due_on, -2)
            if remind_on < self.today and remind_on > submitted_at.date():
                self.outbox.sent(
                    f"action:{action_id}:reminder",
                    concern=f"action:{action_id}",
                    at=self.clock.at(remind_on, 9),
                    recipient=worker,
                )

    # -- TAC -----------------------------------------------------------------------------------

    def tac(self) -> None:
        """Monthly supervisions of every practitioner with TAC cases, the decisions, the tasks
        they set and the summaries completed; the cases' last summary dates follow."""
        self.last_summary: dict[int, date | None] = {}
        self.last_decision: dict[int, int] = {}  # each case's latest, as months are recorded
        for team in self.teams:
            tm = self.tms[team["index"]]
            for worker in self.workers_by_team[team["id"]]:
                case_ids = self.tac_by_worker.get(worker["id"], [])
                if case_ids:
                    self._tac_worker(team, tm, worker, case_ids)
                    self.w.maybe_flush()
        self.w.flush()
        rows = [
            {
                "case_id": case_id,
                "last": self.last_summary.get(case_id),
                "decision": self.last_decision.get(case_id),
            }
            for case_id in sorted(
                {case_id for case_id, last in self.last_summary.items() if last is not None}
                | set(self.last_decision)
            )
        ]
        table = Case.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("case_id"))
            .values(
                tac_last_summary_on=bindparam("last"), tac_last_decision_id=bindparam("decision")
            )
        )
        for start in range(0, len(rows), 20_000):
            self.session.execute(statement, rows[start : start + 20_000])

    def _tac_worker(
        self,
        team: dict[str, Any],
        tm: dict[str, Any],
        worker: dict[str, Any],
        case_ids: list[int],
    ) -> None:
        rng, tac_policy = self.rng, self.policy.tac
        last: dict[int, date | None] = dict.fromkeys(case_ids)
        open_task: dict[int, dict[str, Any]] = {}
        for month in self.months:
            days = self.clock.working_days(month)
            if rng.random() < 0.08:
                continue  # no supervision this month
            held_on = rng.choice(days[2:-2] or days)
            considered = [
                case_id
                for case_id in case_ids
                if self.case_meta[case_id]["opened"] < held_on
                and (
                    self.case_meta[case_id]["closed_month"] is None
                    or self.case_meta[case_id]["closed_month"] > month
                )
            ]
            if not considered:
                continue
            recorded_at = self.clock.at(held_on, 15)
            supervision_id = self.w.add(
                TacSupervision,
                manager_id=tm["id"],
                practitioner_id=worker["id"],
                status="recorded",
                case_ids=considered,
                held_on=held_on,
                started_at=recorded_at - timedelta(minutes=20),
                recorded_at=recorded_at,
            )
            for case_id in considered:
                task = open_task.get(case_id)
                if task is not None and task["done_on"] is not None and task["done_on"] < held_on:
                    last[case_id] = task["done_on"]
                    del open_task[case_id]
                    task = None
                status = summary_status(
                    last[case_id],
                    team_type=team["team_type"],
                    newly_qualified=worker["newly_qualified"],
                    today=held_on,
                    policy=tac_policy,
                )
                decision = {
                    "supervision_id": supervision_id,
                    "case_id": case_id,
                    "triggers": [],
                    "trigger_note": None,
                    "last_summary_on": status.last_summary_on,
                    "next_due_on": status.next_due_on,
                    "flags": list(status.flags),
                }
                if task is not None and (
                    task["row"]["due_on"] >= held_on or task["done_on"] is not None
                ):  # still to do (perhaps late): the decision keeps its date
                    decision.update(decision="complete_by", complete_by=task["row"]["due_on"])
                    self._add_decision(decision)
                    continue
                if task is not None or status.needs_attention or rng.random() < 0.03:
                    complete_by = self.calendar.working_day_on_or_before(
                        held_on + timedelta(days=rng.randint(14, 35))
                    )
                    decision.update(decision="complete_by", complete_by=complete_by)
                    decision_id = self._add_decision(decision)
                    if task is not None:  # overdue: replaced by the new date
                        task["row"].update(
                            status="superseded", closed_at=recorded_at, closed_by=tm["email"]
                        )
                    open_task[case_id] = self._tac_task(
                        decision_id, case_id, worker, tm, complete_by, recorded_at
                    )
                else:
                    decision.update(
                        decision="not_needed",
                        complete_by=None,
                        reason="The summary is up to date and nothing has changed.",
                    )
                    self._add_decision(decision)
            self.log(
                recorded_at,
                tm["email"],
                "tac.checkpoint.record",
                f"tac-supervision:{supervision_id}",
            )
            self.outbox.sent(
                f"tac-checkpoint:{supervision_id}",
                concern=f"tac-supervision:{supervision_id}",
                at=recorded_at,
                recipient=tm,
            )
        for case_id, task in open_task.items():
            if task["done_on"] is not None and task["done_on"] < self.today:
                last[case_id] = task["done_on"]
        self.last_summary.update(last)

    def _add_decision(self, decision: dict[str, Any]) -> int:
        decision_id = self.w.add(TacDecision, **decision)
        self.last_decision[decision["case_id"]] = decision_id  # months come in order
        return decision_id

    def _tac_task(
        self,
        decision_id: int,
        case_id: int,
        worker: dict[str, Any],
        tm: dict[str, Any],
        due_on: date,
        created_at: datetime,
    ) -> dict[str, Any]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.85:
            done_on = due_on - timedelta(days=rng.randint(0, 12))
        elif roll < 0.92:
            done_on = due_on + timedelta(days=rng.randint(1, 20))
        else:
            done_on = None  # not done: superseded at the next supervision
        if done_on is not None:
            done_on = max(done_on, created_at.date() + timedelta(days=1))
        completed = done_on is not None and done_on < self.today
        task_id = self.w.add(
            TacTask,
            decision_id=decision_id,
            case_id=case_id,
            practitioner_id=worker["id"],
            manager_id=tm["id"],
            due_on=due_on,
            status="completed" if completed else "open",
            created_at=created_at,
            reminded_at=None,
            closed_at=self.clock.at(done_on, 16) if completed else None,
            closed_by=worker["email"] if completed else None,
        )
        row = self.w.buffers[TacTask][-1]
        self.outbox.sent(
            f"tac-task:{task_id}", concern=f"tac-task:{task_id}", at=created_at, recipient=worker
        )
        remind_on = self.calendar.add_working_days(due_on, -2)
        if created_at.date() < remind_on < self.today and (done_on is None or done_on > remind_on):
            row["reminded_at"] = self.clock.at(remind_on, 9)
            self.outbox.sent(
                f"tac-task-reminder:{task_id}",
                concern=f"tac-task:{task_id}",
                at=row["reminded_at"],
                recipient=worker,
            )
        if completed:
            meta = self.case_meta[case_id]
            self.w.add(
                TacSummary,
                case_id=case_id,
                practitioner_id=worker["id"],
                team_id=meta["team"]["id"],
                completed_on=done_on,
                task_id=task_id,
                recorded_at=self.clock.at(done_on, 16),
                recorded_by=worker["email"],
                listed_in_month=str(Month.of(done_on)),
            )
        return {"row": row, "done_on": done_on}

    def tac_schedule_runs(self) -> None:
        """Every weekly digest and month-end list before the busy day was sent."""
        monday = self.start_day + timedelta(days=(7 - self.start_day.weekday()) % 7)
        while monday < self.today:
            send_on = monday
            while not self.calendar.is_working_day(send_on):
                send_on += timedelta(days=1)
            at = self.clock.at(send_on, 9)
            self.w.add(
                TacScheduleRun,
                kind="weekly_digest",
                period=monday.isoformat(),
                ran_at=at,
                recipients=len(self.tms),
            )
            for tm in self.tms:
                self.outbox.sent(
                    f"tac-digest:{tm['id']}:{monday.isoformat()}",
                    concern=f"tac-digest:{monday.isoformat()}",
                    at=at,
                    recipient=tm,
                )
            monday += timedelta(days=7)
        for month in self.months:
            at = self.clock.at(self.clock.working_days(month)[-1], 16)
            self.w.add(
                TacScheduleRun,
                kind="month_end_list",
                period=str(month),
                ran_at=at,
                recipients=len(self.admins),
            )
            for admin in self.admins:
                self.outbox.sent(
                    f"tac-month-end:{month}:{admin['id']}",
                    concern=f"tac-month-end:{month}",
                    at=at,
                    recipient=admin,
                )
                self.outbox.sent(
                    f"tac-month-end-csv:{month}:{admin['id']}",
                    concern=f"tac-month-end:{month}",
                    at=at,
                    recipient=admin,
                    method="files.uploadV2",
                )

    def finish(self) -> None:
        self.log(
            self.busy_day.astimezone(UTC) - timedelta(days=1),
            "benchmarks.generate",
            GENERATOR_ACTION,
            "authority",
            scale=self.scale,
            seed=self.seed,
            busy_day=self.busy_day.isoformat(),
            history_months=len(self.months),
            counts=self.counts,
        )
        self.w.flush()


HOUR = timedelta(hours=1)


# -- the database --------------------------------------------------------------------------------


def _has_rows(engine: Engine) -> bool:
    names = set(inspect(engine).get_table_names())
    if "staff" not in names:
        return False
    with engine.connect() as connection:
        return bool(connection.execute(select(func.count()).select_from(Staff.__table__)).scalar())


def _drop_everything(engine: Engine) -> None:
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _retention_up_to(session: Session, day: datetime) -> None:
    """The history as a live database holds it: every daily sweep before the busy day done
    (its DMs older than the Slack period removed then, one day at a time) and recorded, so the
    busy day's sweep finds one day's worth, not years of backlog."""
    policy = Policy()
    slack_cutoff = day - timedelta(days=policy.retention.slack_message_days or 0)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sent", OutboxMessage.sent_at < slack_cutoff)
        .values(removed_from_slack_at=OutboxMessage.sent_at)
    )
    sweep_day(session, policy, day.date(), day)


def _after_bulk_load(engine: Engine) -> None:
    """PostgreSQL: move the id sequences past the explicit ids; clear the row versions the
    history's retention sweeps left behind and refresh the planner statistics (what autovacuum
    does on a live database: without it the index of what is still in Slack led through 215,000
    dead rows). SQLite is left as the application leaves it."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in TABLES:
            name = table.__tablename__
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'(SELECT max(id) FROM "{name}")) WHERE EXISTS (SELECT 1 FROM "{name}")'
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in TABLES:
            connection.execute(text(f'VACUUM ANALYZE "{table.__tablename__}"'))


def generate(
    database_url: str,
    scale: float,
    *,
    seed: int = SEED,
    busy_day: datetime = BUSY_DAY,
    history_months: int = HISTORY_MONTHS,
    replace: bool = False,
) -> dict[str, int]:
    """Write the authority into an empty database (or replace what is there); returns the rows
    written per table."""
    if database_url.startswith("sqlite:///") and replace:
        path = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = create_db_engine(database_url)
    try:
        if _has_rows(engine):
            if not replace:
                raise SystemExit(f"{database_url} already holds data: use --replace to start again")
            _drop_everything(engine)
        upgrade_database(engine)
        with Session(engine) as session:
            written = Generator(
                session, scale, seed=seed, busy_day=busy_day, history_months=history_months
            ).run()
            session.commit()
            _retention_up_to(session, busy_day - timedelta(days=1))
            session.commit()
        _after_bulk_load(engine)
    finally:
        engine.dispose()
    return written


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 150 teams (default)")
    parser.add_argument("--database-url", help="default: DATABASE_URL or a SQLite file in /tmp")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--replace", action="store_true", help="drop what the database holds and start again"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    url = args.database_url or default_database_url(args.scale)
    started = time.perf_counter()
    written = generate(url, args.scale, seed=args.seed, replace=args.replace)
    seconds = time.perf_counter() - started
    for table, rows in sorted(written.items()):
        print(f"{table:>18} {rows:>10,}")
    print(f"{'total':>18} {sum(written.values()):>10,}  rows in {seconds:.1f}s -> {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
