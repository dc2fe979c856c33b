"""The draw of an audit round and its scheduled work: rounds from the policy file and the
thematic schedule are defined, due rounds are drawn, unconfirmed practitioners reminded.

A round's draw is recorded like the monthly draw: a SelectionRound with its seed and criteria
(its key, "YYYY-MM/round-N", sorts just after its month, so the monthly draw's look-back sees
it), and one Selection per case, which is what the guided audit works on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.core.tick import Tick, random_seed
from bot.policy.schema import ROUND_KINDS, Policy, RoundDefinition
from bot.rounds.definition import RoundProblem, create_round, round_auditors
from bot.rounds.messages import (
    attendance_reminder_key,
    queue_attendance_request,
    queue_round_case_messages,
)
from bot.rounds.pairs import Pair, assign_pairs, pair_auditors
from bot.rounds.rules import (
    Candidate,
    assign_auditors,
    latest_due_reminder,
    reminder_days,
    spread_across_areas,
)
from bot.rounds.yearly_plan import define_planned_rounds
from messages import render
from models import (
    AuditRound,
    Case,
    OutboxMessage,
    RoundCase,
    Selection,
    SelectionRound,
    Staff,
    Team,
)
from models.statuses import Attendance, CaseStatus, SelectionStatus, StaffStatus

log = logging.getLogger(__name__)


@dataclass
class RoundScheduleReport:
    defined: list[str] = field(default_factory=list)
    drawn: list[str] = field(default_factory=list)
    reminders: int = 0

    def describe(self) -> list[str]:
        parts = [f"defined round {name}" for name in self.defined]
        parts += [f"drew round {name}" for name in self.drawn]
        if self.reminders:
            parts.append(f"queued {self.reminders} attendance reminder(s)")
        return parts


def selection_round_key(audit_round: AuditRound) -> str:
    return f"{Month.of(audit_round.audit_on)}/round-{audit_round.id}"


def draw_round(
    session: Session,
    policy: Policy,
    audit_round: AuditRound,
    *,
    now: datetime,
    actor: str,
    new_seed: Callable[[], str] = random_seed,
) -> list[RoundCase]:
    """Draw the round's cases, give each to an auditor and queue the DMs; once only."""
    if audit_round.selection_round_id is not None:
        return []
    definition = audit_round.definition
    eligible = definition["eligible"]
    since = str(
        Month.of(audit_round.selection_on).plus(-policy.selection.exclude_selected_within_months)
    )
    criteria = {
        "case_types": eligible["case_types"] or list(policy.selection.eligible_case_types),
        "service_areas": eligible["service_areas"],
        "teams": eligible["teams"],
        "opened_on_or_before": (
            audit_round.selection_on - timedelta(days=eligible["min_open_days"])
        ).isoformat(),
        "not_selected_since": since,
    }
    selection_round = SelectionRound(
        month=selection_round_key(audit_round),
        seed=new_seed(),
        drawn_at=now,
        drawn_by=actor,
        criteria=criteria,
    )
    session.add(selection_round)
    session.flush()
    audit_round.selection_round_id = selection_round.id
    session.add(audit_round)
    auditors = round_auditors(session, definition["auditors"], definition["auditor_role"])
    candidates = eligible_candidates(session, criteria)
    ordered = spread_across_areas(candidates, selection_round.seed)
    assigned = _assign(definition, [person.id for person in auditors], ordered, selection_round)
    round_cases = [
        record_round_case(
            session,
            selection_round,
            audit_round,
            candidate,
            auditor_id,
            now,
            len(candidates),
            partner_id=partner_id,
        )
        for candidate, (auditor_id, partner_id) in assigned
    ]
    auditlog.record(
        session,
        actor=actor,
        action="round.draw",
        subject=f"round:{audit_round.id}",
        now=now,
        seed=selection_round.seed,
        criteria=criteria,
        pool=len(candidates),
        drawn=len(round_cases),
    )
    for round_case in round_cases:
        queue_round_case_messages(session, policy, round_case, now)
    _tell_administrators(session, audit_round, round_cases, len(candidates), len(auditors), now)
    return round_cases


def _assign(
    definition: dict, auditor_ids: list[int], ordered: list[Candidate], drawn: SelectionRound
) -> list[tuple[Candidate, Pair]]:
    """Each case to an auditor, or to a pair when the round pairs them (issue 25)."""
    one_each = definition["one_case_per_auditor"]
    if definition.get("pairs"):
        pairs = pair_auditors(auditor_ids, drawn.seed)
        return assign_pairs(ordered, pairs, definition["cases"], one_each=one_each)
    alone = assign_auditors(ordered, auditor_ids, definition["cases"], one_each=one_each)
    return [(candidate, (auditor_id, None)) for candidate, auditor_id in alone]


def _tell_administrators(
    session: Session,
    audit_round: AuditRound,
    round_cases: list[RoundCase],
    pool: int,
    auditors: int,
    now: datetime,
) -> None:
    admins = session.exec(select(Staff).where(Staff.status == StaffStatus.ACTIVE)).all()
    practitioners = [
        session.get(Staff, session.get(Case, round_case.case_id).worker_id)
        for round_case in round_cases
    ]
    message = render(
        "round_drawn_dm",
        round=audit_round,
        kind=ROUND_KINDS[audit_round.kind],
        drawn=len(round_cases),
        asked=audit_round.definition["cases"],
        pool=pool,
        areas=len({round_case.service_area for round_case in round_cases}),
        auditors=auditors,
        not_on_slack=sorted(person.name for person in practitioners if not person.slack_user_id),
    )
    for admin in (person for person in admins if person.has_role("admin")):
        queue_dm(
            session,
            key=f"round:{audit_round.id}:drawn:{admin.id}",
            recipient=admin,
            message=message,
            concern=f"round:{audit_round.id}",
            now=now,
        )


def record_round_case(
    session: Session,
    selection_round: SelectionRound,
    audit_round: AuditRound,
    candidate: Candidate,
    auditor_id: int,
    now: datetime,
    pool_size: int,
    *,
    partner_id: int | None = None,
) -> RoundCase:
    earlier = session.exec(
        select(Selection.id).where(
            Selection.round_id == selection_round.id, Selection.manager_id == auditor_id
        )
    ).all()
    selection = Selection(
        round_id=selection_round.id,
        manager_id=auditor_id,
        team_id=session.get(Case, candidate.case_id).team_id,
        attempt=len(earlier) + 1,  # the auditor's n-th case in the round
        status=SelectionStatus.SELECTED,
        case_id=candidate.case_id,
        pool_size=pool_size,
        draw_seed=selection_round.seed,
        due_on=audit_round.audit_until or audit_round.audit_on,
        created_at=now,
    )
    session.add(selection)
    session.flush()
    round_case = RoundCase(
        round_id=audit_round.id,
        case_id=candidate.case_id,
        auditor_id=auditor_id,
        partner_id=partner_id,
        selection_id=selection.id,
        service_area=candidate.service_area,
    )
    session.add(round_case)
    session.flush()
    return round_case


def eligible_candidates(session: Session, criteria: dict) -> list[Candidate]:
    """Open cases of the round's types, areas and teams, open long enough, not selected for
    any audit (monthly or round) since the policy's look-back month."""
    recently_selected = (
        sa_select(Selection.case_id)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(Selection.status == SelectionStatus.SELECTED, col(Selection.case_id).is_not(None))
        .where(SelectionRound.month >= criteria["not_selected_since"])
    )
    query = (
        select(Case.id, Case.case_ref, Team.service_area, Case.worker_id, Staff.manager_id)
        .join(Team, col(Team.id) == Case.team_id)
        .join(Staff, col(Staff.id) == Case.worker_id)
        .where(Case.status == CaseStatus.OPEN, col(Case.case_type).in_(criteria["case_types"]))
        .where(Case.opened_on <= date.fromisoformat(criteria["opened_on_or_before"]))
        .where(col(Case.id).not_in(recently_selected))
    )
    if criteria["service_areas"]:
        query = query.where(col(Team.service_area).in_(criteria["service_areas"]))
    if criteria["teams"]:
        query = query.where(col(Team.name).in_(criteria["teams"]))
    return [Candidate(*row) for row in session.exec(query).all()]


def run_round_schedule(session: Session, tick: Tick) -> RoundScheduleReport:
    """Everything about rounds that is due at `now`, once (keys and unique names make a re-run
    or a second instance a no-op)."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    report = RoundScheduleReport()
    local = calendar.local(now)
    today = local.date()
    if not calendar.is_working_day(today) or local.time() < policy.rounds.run_at:
        return report
    report.defined += _define_policy_rounds(session, policy, calendar, today, now)
    report.defined += _define_scheduled_round(session, policy, calendar, today, now)
    report.defined += define_planned_rounds(session, policy, calendar, today, now)
    due = session.exec(
        select(AuditRound)
        .where(col(AuditRound.selection_round_id).is_(None), AuditRound.selection_on <= today)
        .where(AuditRound.audit_on > today)
        .order_by(col(AuditRound.id))
    ).all()
    for audit_round in due:
        draw_round(session, policy, audit_round, now=now, actor="scheduler", new_seed=tick.new_seed)
        report.drawn.append(audit_round.name)
    report.reminders = _remind_unconfirmed(session, policy, calendar, today, now)
    return report


def _define_policy_rounds(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date, now: datetime
) -> list[str]:
    known = set(session.exec(select(AuditRound.name)).all())
    defined = []
    for definition in policy.rounds.rounds:
        if definition.name in known or definition.audit_date <= today:
            continue
        try:
            create_round(
                session,
                definition,
                policy,
                calendar=calendar,
                source="policy",
                actor="policy",
                today=today,
                now=now,
            )
        except RoundProblem as problem:
            log.warning("policy round %s not defined: %s", definition.name, problem)
            continue
        defined.append(definition.name)
    return defined


def _define_scheduled_round(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date, now: datetime
) -> list[str]:
    """This month's thematic round from the schedule (e.g. January: neglect), if there is one."""
    schedule = policy.rounds.schedule
    month = Month.of(today)
    theme = schedule.months.get(month.month)
    if theme is None:
        return []
    name = f"{theme.replace('_', '-')}-{month}"
    if session.exec(select(AuditRound.id).where(AuditRound.name == name)).first():
        return []
    first = calendar.first_working_day(month)
    selection_on = calendar.add_working_days(first, schedule.selection_working_day - 1)
    audit_on = calendar.add_working_days(first, schedule.audit_working_day - 1)
    if today > selection_on:
        return []  # the schedule's draw day has passed: define it by hand if still wanted
    definition = RoundDefinition(
        name=name,
        kind="thematic",
        theme=theme,
        eligible=schedule.eligible,
        cases=schedule.cases,
        auditor_role=schedule.auditor_role,
        one_case_per_auditor=schedule.one_case_per_auditor,
        selection_date=selection_on,
        audit_date=audit_on,
        audit_until=calendar.add_working_days(audit_on, 4),
    )
    try:
        create_round(
            session,
            definition,
            policy,
            calendar=calendar,
            source="schedule",
            actor="scheduler",
            today=today,
            now=now,
        )
    except RoundProblem as problem:
        log.warning("scheduled round %s not defined: %s", name, problem)
        return []
    return [name]


def _remind_unconfirmed(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date, now: datetime
) -> int:
    rows = session.exec(
        select(RoundCase, AuditRound, SelectionRound.drawn_at)
        .join(AuditRound, col(AuditRound.id) == RoundCase.round_id)
        .join(SelectionRound, col(SelectionRound.id) == AuditRound.selection_round_id)
        .where(RoundCase.attendance == Attendance.PENDING, AuditRound.audit_on > today)
        .order_by(col(RoundCase.id))
    ).all()
    count = 0
    for round_case, audit_round, drawn_at in rows:
        days = reminder_days(
            policy.rounds, calendar, calendar.local(drawn_at).date(), audit_round.audit_on
        )
        number = latest_due_reminder(days, today)
        if number is not None and not _queued(session, round_case, number):
            queue_attendance_request(session, policy, round_case, now, reminder=number)
            count += 1
    return count


def _queued(session: Session, round_case: RoundCase, number: int) -> bool:
    key = attendance_reminder_key(round_case, number)
    return (
        session.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first()
        is not None
    )
