"""`/audit status`: the month's programme at a glance (counts, and who of the ladder is away),
or a manager's own case."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, or_, select

from bot.commands.oversight_status import oversight_lines
from bot.core.cover import absences_in_force, route_dm
from bot.core.months import Month
from bot.policy.schema import ESCALATION_LADDER
from bot.selection.draw import current_selection, explain_selection
from bot.selection.manager_message import CASE_TYPE_NAMES
from models import (
    Audit,
    Case,
    OutboxMessage,
    Reaudit,
    ReauditRound,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    Team,
)
from models.booking import bookings_by_state
from models.concern import on_register_at
from models.db import rows_by_id
from models.statuses import (
    AuditStatus,
    BookingStatus,
    OutboxStatus,
    ReauditStatus,
    SelectionStatus,
    StaffStatus,
)


@dataclass(frozen=True)
class TeamCounts:
    team: str
    selected: int = 0
    booked: int = 0
    held: int = 0
    audited: int = 0
    redrawn: int = 0
    no_eligible_case: int = 0
    not_on_slack: int = 0


@dataclass(frozen=True)
class ReauditCounts:
    drawn: int = 0
    done: int = 0
    overdue: int = 0  # not submitted and past its due date


@dataclass(frozen=True)
class FailedDelivery:
    concern: str
    recipient: str
    error: str


@dataclass(frozen=True)
class AwayNow:
    """Someone on the escalation ladder who is away, and who gets their messages meanwhile."""

    name: str
    roles: tuple[str, ...]  # their ladder roles in words, lowest first: ("team manager",)
    team: str | None
    last_day: date
    cover: str | None  # None: nobody covers, their messages wait for their return


@dataclass
class ProgrammeStatus:
    month: Month
    drawn_at: datetime | None
    drawn_by: str | None
    teams: list[TeamCounts] = field(default_factory=list)
    not_on_slack: list[Staff] = field(default_factory=list)
    failed_deliveries: list[FailedDelivery] = field(default_factory=list)
    waiting_to_send: int = 0
    alerts_awaiting: int = 0
    concerns_register: int = 0
    reaudits: ReauditCounts | None = None  # None: not drawn for the month yet
    teams_without_channel: list[str] = field(default_factory=list)
    no_selection: str | None = None  # a paused month, or one the policy never audits
    rounds: list[Any] = field(default_factory=list)  # issue 12: RoundSummary, counts only
    away: list[AwayNow] = field(default_factory=list)
    oversight: list[str] = field(default_factory=list)  # issue 25: counts of the practices in use

    @property
    def totals(self) -> TeamCounts:
        return TeamCounts(
            team="All teams",
            selected=sum(t.selected for t in self.teams),
            booked=sum(t.booked for t in self.teams),
            held=sum(t.held for t in self.teams),
            audited=sum(t.audited for t in self.teams),
            redrawn=sum(t.redrawn for t in self.teams),
            no_eligible_case=sum(t.no_eligible_case for t in self.teams),
            not_on_slack=sum(t.not_on_slack for t in self.teams),
        )


def programme_status(
    session: Session, month: Month, today: date, now: datetime | None = None
) -> ProgrammeStatus:
    """The month's counts, and with `now` who of the ladder is away at that moment (without
    it `away` stays empty). A moment, not `today`: an absence cleared during the day ends when
    it was cleared, and a date alone can't tell before from after."""
    selection_round = session.exec(
        select(SelectionRound).where(SelectionRound.month == str(month))
    ).first()
    status = ProgrammeStatus(
        month=month,
        drawn_at=selection_round.drawn_at if selection_round else None,
        drawn_by=selection_round.drawn_by if selection_round else None,
    )
    outcomes: Counter[tuple[int, str]] = Counter()
    if selection_round is not None:
        rows = session.exec(
            select(Selection.id, Selection.team_id, Selection.status).where(
                Selection.round_id == selection_round.id
            )
        ).all()
        selection_ids = [row[0] for row in rows]
        discussions = bookings_by_state(session, selection_ids)
        audited = set(
            session.exec(
                select(Audit.selection_id).where(
                    col(Audit.selection_id).in_(selection_ids),
                    Audit.status == AuditStatus.SUBMITTED,
                )
            ).all()
        )
        for selection_id, team_id, state in rows:
            outcomes[(team_id, state)] += 1
            if selection_id in discussions:
                outcomes[(team_id, discussions[selection_id])] += 1
            if selection_id in audited:
                outcomes[(team_id, "audited")] += 1
    status.not_on_slack = list(
        session.exec(
            select(Staff)
            .where(Staff.status == StaffStatus.ACTIVE, Staff.slack_lookup == "not_found")
            .order_by(Staff.email)
        ).all()
    )
    missing_by_team = Counter(person.team_id for person in status.not_on_slack)
    for team in session.exec(select(Team).order_by(Team.name)).all():
        status.teams.append(
            TeamCounts(
                team=team.name,
                selected=outcomes[(team.id, SelectionStatus.SELECTED)],
                booked=outcomes[(team.id, "booked")],
                held=outcomes[(team.id, BookingStatus.HELD)],
                audited=outcomes[(team.id, "audited")],
                redrawn=outcomes[(team.id, SelectionStatus.REPLACED)],
                no_eligible_case=outcomes[(team.id, SelectionStatus.NO_ELIGIBLE_CASE)],
                not_on_slack=missing_by_team[team.id],
            )
        )
    status.failed_deliveries = _failed_deliveries(session)
    status.teams_without_channel = _teams_without_channel(session)
    status.alerts_awaiting = session.exec(
        select(func.count())
        .select_from(SafeguardingAlert)
        .where(col(SafeguardingAlert.acknowledged_by).is_(None))
    ).one()
    status.concerns_register = on_register_at(session)
    status.reaudits = reaudit_counts(session, month, today)
    status.waiting_to_send = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    ).one()
    status.oversight = oversight_lines(session, today)
    if now is not None:
        status.away = away_now(session, now)
    return status


def away_now(session: Session, now: datetime) -> list[AwayNow]:
    """Team managers, service managers and heads of service away at `now` (team managers
    first, by team), each with who their DMs go to: bot/core/cover.py's routing, so a cover who is
    away too passes it on, and with nobody left it is withheld."""
    absences = absences_in_force(session, now)
    if not absences:
        return []
    people = session.exec(
        select(Staff).where(col(Staff.id).in_(absences), Staff.status == StaffStatus.ACTIVE)
    ).all()
    teams = {
        team_id: team.name
        for team_id, team in rows_by_id(session, Team, (p.team_id for p in people)).items()
    }
    found: list[tuple[tuple[int, str, str], AwayNow]] = []
    for person in people:
        roles = [role for role in ESCALATION_LADDER if person.has_role(role)]
        if not roles:
            continue  # practitioners and administrators are not on the ladder
        team = teams.get(person.team_id)
        cover = route_dm(session, person, now).recipient
        entry = AwayNow(
            name=person.name,
            roles=tuple(role.replace("_", " ") for role in roles),
            team=team,
            last_day=absences[person.id].ends_on,
            cover=cover.name if cover else None,
        )
        found.append(((ESCALATION_LADDER.index(roles[0]), team or "", person.name), entry))
    return [entry for _order, entry in sorted(found, key=lambda pair: pair[0])]


def reaudit_counts(session: Session, month: Month, today: date) -> ReauditCounts | None:
    """The month's re-audits (the monthly sample and any yearly one), or None if not drawn."""
    rounds = session.exec(select(ReauditRound.id).where(ReauditRound.month == str(month))).all()
    if not rounds:
        return None
    rows = session.exec(
        select(Reaudit.status, Reaudit.due_on).where(col(Reaudit.round_id).in_(rounds))
    ).all()
    return ReauditCounts(
        drawn=len(rows),
        done=sum(1 for state, _due in rows if state == ReauditStatus.SUBMITTED),
        overdue=sum(1 for state, due in rows if state != ReauditStatus.SUBMITTED and due < today),
    )


def _teams_without_channel(session: Session) -> list[str]:
    """Teams the weekly digest skips."""
    return list(
        session.exec(
            select(Team.name)
            .where(or_(col(Team.channel_id).is_(None), Team.channel_id == ""))
            .order_by(Team.name)
        ).all()
    )


def _failed_deliveries(session: Session, limit: int = 20) -> list[FailedDelivery]:
    rows = session.exec(
        select(OutboxMessage, Staff)
        .join(Staff, col(Staff.id) == OutboxMessage.recipient_staff_id, isouter=True)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    ).all()
    return [
        FailedDelivery(
            concern=message.concern,
            recipient=person.email if person else (message.channel or "?"),
            error=message.last_error or "unknown error",
        )
        for message, person in rows
    ]


@dataclass(frozen=True)
class ManagerStatus:
    month: Month
    selection: Selection | None
    case: Case | None
    case_type: str | None
    practitioner: Staff | None
    explanation: str | None
    no_selection: str | None = None  # a paused month, or one the policy never audits


def manager_status(session: Session, manager: Staff, month: Month) -> ManagerStatus:
    selection = current_selection(session, manager, month)
    if selection is None:
        return ManagerStatus(month, None, None, None, None, None)
    case = session.get(Case, selection.case_id) if selection.case_id else None
    return ManagerStatus(
        month=month,
        selection=selection,
        case=case,
        case_type=CASE_TYPE_NAMES.get(case.case_type, case.case_type) if case else None,
        practitioner=session.get(Staff, case.worker_id) if case else None,
        explanation=explain_selection(session, selection),
    )
