"""The figures of the QA briefing, as plain data (no Slack, no files).

A briefing covers a period (a month or a quarter) and compares it with the three periods
before it. Audits belong to the month their case was drawn for (Gloucestershire's "May audits"),
whenever they were submitted; counts are as the database stands on `as_of`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import and_, case
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy, RoundsPolicy
from bot.report.moderation import ReauditAgreement, reaudit_agreement
from bot.report.period import Period
from bot.rounds.status import RoundSummary, rounds_in
from models import (
    Audit,
    AuditAction,
    Booking,
    Case,
    Extension,
    FamilyEngagement,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    TacSummary,
    Team,
)
from models.statuses import (
    ActionStatus,
    AuditStatus,
    BookingStatus,
    EngagementStatus,
    ExtensionStatus,
    SelectionStatus,
)

PERIODS_COMPARED = 3
OVERALL = "Overall"
MANAGERS, PRACTITIONERS, FAMILIES = "Team managers", "Practitioners", "Children and families"
CATEGORY_LABELS = {"category_1": "Category 1", "category_2": "Category 2"}
_REASON_LENGTH = 100


@dataclass(frozen=True)
class Completion:
    period: Period
    identified: int = 0
    completed_in_time: int = 0
    completed_late: int = 0
    no_eligible_case: int = 0
    extended: int = 0  # identified cases whose due date was extended (granted or approved)

    @property
    def not_completed(self) -> int:
        return self.identified - self.completed_in_time - self.completed_late


@dataclass(frozen=True)
class GradeCounts:
    period: Period
    domain: str  # a domain's title, or OVERALL
    counts: dict[str, int]  # every grade of the framework, in its order

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ConcernCounts:
    period: Period
    category_1: int = 0
    category_1_acknowledged: int = 0
    category_2: int = 0


@dataclass(frozen=True)
class RegisterEntry:
    """A case of concern from the period's audits. It names the case: it is shown only to
    people entitled to it (see bot/report/entitlement.py)."""

    case_ref: str
    team: str
    manager: str
    category: str
    submitted_on: date
    alert_acknowledged_on: date | None
    line_manager_ids: frozenset[int]  # the team manager's service manager and head of service


@dataclass(frozen=True)
class Engagement:
    group: str
    engaged: int
    not_engaged: int


@dataclass(frozen=True)
class Reason:
    group: str
    reason: str
    count: int


@dataclass(frozen=True)
class ActionTracker:
    month: Month
    total: int = 0
    completed: int = 0
    outstanding: int = 0  # open and past its due date on `as_of`

    @property
    def not_yet_due(self) -> int:
        return self.total - self.completed - self.outstanding


@dataclass(frozen=True)
class TacSummaryCount:
    team: str
    completed: int


@dataclass
class Briefing:
    period: Period
    as_of: date
    framework: str
    grade_scale: list[str]
    completion: list[Completion]  # oldest first; the last is `period`
    grades: list[GradeCounts]
    concerns: list[ConcernCounts]
    register: list[RegisterEntry]
    engagement: list[Engagement]
    reasons: list[Reason]
    actions: list[ActionTracker]
    reaudit_agreement: list[ReauditAgreement]
    tac_summaries: list[TacSummaryCount] = field(default_factory=list)
    # Months of the period with no selection, and why (the programme calendar, issue 13).
    no_selection: list[str] = field(default_factory=list)
    rounds: list[RoundSummary] = field(default_factory=list)  # issue 12: audited in the period

    @property
    def current(self) -> Completion:
        return self.completion[-1]

    @property
    def current_concerns(self) -> ConcernCounts:
        return self.concerns[-1]

    @property
    def overall_grades(self) -> list[GradeCounts]:
        return [row for row in self.grades if row.domain == OVERALL]


@dataclass(frozen=True)
class _Drawn:
    """One drawn case (or a manager with none to draw) and what became of its audit."""

    selection_id: int
    month: str
    status: str
    due_on: date | None
    audit_status: str | None
    submitted_on: date | None
    overall: str | None
    concern: str | None
    alert_acknowledged: bool

    @property
    def submitted(self) -> bool:
        return self.audit_status == AuditStatus.SUBMITTED


def compute_briefing(
    session: Session,
    period: Period,
    *,
    framework: FrameworkPolicy,
    timezone: tzinfo,
    as_of: date,
    rounds: RoundsPolicy | None = None,
) -> Briefing:
    periods = period.with_previous(PERIODS_COMPARED)
    drawn = _drawn_cases(session, periods, timezone)
    extended = _extended_selections(session)
    current = [
        row
        for row in drawn
        if row.month in _keys(period) and row.status == SelectionStatus.SELECTED
    ]
    bookings = _latest_bookings(session, [row.selection_id for row in current])
    managers, reasons = _manager_engagement(current, bookings)
    return Briefing(
        period=period,
        as_of=as_of,
        framework=framework.name,
        grade_scale=list(framework.grades),
        completion=[_completion(p, drawn, extended) for p in periods],
        grades=_grades(session, periods, framework),
        concerns=[_concerns(p, drawn) for p in periods],
        register=_register(session, period, timezone),
        engagement=[
            managers,
            _practitioner_engagement(current, bookings, reasons),
            _family_engagement(session, current, reasons),
        ],
        reasons=reasons,
        actions=_action_tracker(session, [m for p in periods for m in p.months], as_of),
        reaudit_agreement=reaudit_agreement(session, period, framework),
        tac_summaries=_tac_summaries(session, period),
        rounds=(
            rounds_in(session, rounds, framework, period.first_day, period.last_day)
            if rounds is not None
            else []
        ),
    )


def _keys(period: Period) -> set[str]:
    return {str(month) for month in period.months}


def _window(periods: list[Period]) -> list[str]:
    return sorted(set().union(*(_keys(p) for p in periods)))


def _drawn_cases(session: Session, periods: list[Period], timezone: tzinfo) -> list[_Drawn]:
    rows = session.exec(
        select(
            Selection.id,
            SelectionRound.month,
            Selection.status,
            Selection.due_on,
            Audit.status,
            Audit.submitted_at,
            Audit.overall,
            Audit.concern,
            SafeguardingAlert.acknowledged_at,
        )
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .outerjoin(Audit, col(Audit.selection_id) == Selection.id)
        .outerjoin(SafeguardingAlert, col(SafeguardingAlert.audit_id) == Audit.id)
        .where(col(SelectionRound.month).in_(_window(periods)))
        .where(
            col(Selection.status).in_((SelectionStatus.SELECTED, SelectionStatus.NO_ELIGIBLE_CASE))
        )
    ).all()
    return [
        _Drawn(
            selection_id=selection_id,
            month=month,
            status=status,
            due_on=due_on,
            audit_status=audit_status,
            submitted_on=_local_day(submitted_at, timezone),
            overall=overall,
            concern=concern,
            alert_acknowledged=acknowledged_at is not None,
        )
        for (
            selection_id,
            month,
            status,
            due_on,
            audit_status,
            submitted_at,
            overall,
            concern,
            acknowledged_at,
        ) in rows
    ]


def _local_day(moment: datetime | None, timezone: tzinfo) -> date | None:
    return moment.astimezone(timezone).date() if moment else None


def _extended_selections(session: Session) -> set[int]:
    """Selections given more time: their due date (used for the timescale) is the extended one."""
    return set(
        session.exec(
            select(Extension.selection_id).where(
                col(Extension.status).in_((ExtensionStatus.GRANTED, ExtensionStatus.APPROVED))
            )
        ).all()
    )


def _completion(period: Period, drawn: list[_Drawn], extended: set[int]) -> Completion:
    rows = [row for row in drawn if row.month in _keys(period)]
    identified = [row for row in rows if row.status == SelectionStatus.SELECTED]
    done = [row for row in identified if row.submitted]
    in_time = [row for row in done if row.due_on is None or row.submitted_on <= row.due_on]
    return Completion(
        period=period,
        identified=len(identified),
        completed_in_time=len(in_time),
        completed_late=len(done) - len(in_time),
        no_eligible_case=len(rows) - len(identified),
        extended=len([row for row in identified if row.selection_id in extended]),
    )


def _concerns(period: Period, drawn: list[_Drawn]) -> ConcernCounts:
    rows = [row for row in drawn if row.month in _keys(period) and row.submitted]
    category_1 = [row for row in rows if row.concern == "category_1"]
    return ConcernCounts(
        period=period,
        category_1=len(category_1),
        category_1_acknowledged=sum(row.alert_acknowledged for row in category_1),
        category_2=sum(row.concern == "category_2" for row in rows),
    )


def _submitted_in(months: Iterable[str], *columns: Any):
    """`columns` of the submitted audits of cases drawn for `months`, each with its month."""
    return (
        select(SelectionRound.month, *columns)
        .join(Selection, col(Selection.round_id) == SelectionRound.id)
        .join(Audit, col(Audit.selection_id) == Selection.id)
        .where(col(SelectionRound.month).in_(list(months)), Audit.status == AuditStatus.SUBMITTED)
    )


def _grades(
    session: Session, periods: list[Period], framework: FrameworkPolicy
) -> list[GradeCounts]:
    """Each domain's grades and the overall grade, per period; none for a framework of
    evaluative statements without grades."""
    if not framework.grades:
        return []
    window = _window(periods)
    overall = session.exec(
        _submitted_in(window, Audit.overall, func.count()).group_by(
            SelectionRound.month, Audit.overall
        )
    ).all()
    by_domain: Counter[tuple[str, str, str]] = Counter()
    for month, answers in session.exec(_submitted_in(window, Audit.answers)).all():
        for domain in framework.domains:
            grade = (answers.get(domain.id) or {}).get("grade")
            by_domain[(month, domain.title, grade)] += 1
    for month, grade, count in overall:
        by_domain[(month, OVERALL, grade)] += count
    return [
        GradeCounts(
            period=period,
            domain=title,
            counts={
                grade: sum(by_domain[(key, title, grade)] for key in _keys(period))
                for grade in framework.grades
            },
        )
        for title in [*(d.title for d in framework.domains), OVERALL]
        for period in periods
    ]


def _register(session: Session, period: Period, timezone: tzinfo) -> list[RegisterEntry]:
    manager = aliased(Staff)
    service_manager = aliased(Staff)
    rows = session.exec(
        _submitted_in(
            _keys(period),
            Case.case_ref,
            Team.name,
            manager.name,
            manager.manager_id,
            service_manager.manager_id,
            Audit.concern,
            Audit.submitted_at,
            SafeguardingAlert.acknowledged_at,
        )
        .join(Case, col(Case.id) == Selection.case_id)
        .join(Team, col(Team.id) == Selection.team_id)
        .join(manager, manager.id == Selection.manager_id)
        .outerjoin(service_manager, service_manager.id == manager.manager_id)
        .outerjoin(SafeguardingAlert, col(SafeguardingAlert.audit_id) == Audit.id)
        .where(col(Audit.concern).in_(tuple(CATEGORY_LABELS)))
        .order_by(col(Audit.concern), Team.name, Case.case_ref)
    ).all()
    return [
        RegisterEntry(
            case_ref=case_ref,
            team=team,
            manager=manager_name,
            category=CATEGORY_LABELS[concern],
            submitted_on=_local_day(submitted_at, timezone),
            alert_acknowledged_on=_local_day(acknowledged_at, timezone),
            line_manager_ids=frozenset(i for i in (line_1, line_2) if i is not None),
        )
        for (
            _month,
            case_ref,
            team,
            manager_name,
            line_1,
            line_2,
            concern,
            submitted_at,
            acknowledged_at,
        ) in rows
    ]


def _manager_engagement(
    current: list[_Drawn], bookings: dict[int, Booking]
) -> tuple[Engagement, list[Reason]]:
    """A team manager is engaged when they completed the audit; otherwise the reason is how
    far it got. The reasons list starts here and the other groups add to it."""
    reasons: Counter[str] = Counter()
    for row in current:
        if row.submitted:
            continue
        if row.audit_status == AuditStatus.DRAFT:
            reasons["Audit started, not submitted"] += 1
        else:
            reasons[_discussion_state(bookings.get(row.selection_id), "Audit not started")] += 1
    engaged = sum(row.submitted for row in current)
    return (
        Engagement(MANAGERS, engaged, len(current) - engaged),
        _reasons(MANAGERS, reasons),
    )


def _discussion_state(booking: Booking | None, prefix: str) -> str:
    if booking is None:
        return f"{prefix}: no discussion booked"
    if booking.status == BookingStatus.HELD:
        return f"{prefix}: discussion held"
    if booking.status == BookingStatus.BOOKED:
        return f"{prefix}: discussion booked, not yet held"
    return f"{prefix}: discussion {booking.status.replace('_', ' ')}"


def _practitioner_engagement(
    current: list[_Drawn], bookings: dict[int, Booking], reasons: list[Reason]
) -> Engagement:
    """A practitioner is engaged when the reflective discussion was held."""
    why_not: Counter[str] = Counter()
    for row in current:
        booking = bookings.get(row.selection_id)
        if booking is not None and booking.status == BookingStatus.HELD:
            continue
        why_not[_practitioner_reason(booking)] += 1
    reasons.extend(_reasons(PRACTITIONERS, why_not))
    not_engaged = sum(why_not.values())
    return Engagement(PRACTITIONERS, len(current) - not_engaged, not_engaged)


def _practitioner_reason(booking: Booking | None) -> str:
    if booking is None:
        return "No discussion booked"
    if booking.status == BookingStatus.BOOKED and booking.practitioner_reply == "cannot":
        return _with_detail("Practitioner cannot attend", booking.practitioner_reason)
    if booking.status == BookingStatus.BOOKED:
        return "Discussion booked, not yet held"
    label = "Discussion " + booking.status.replace("_", " ")
    return _with_detail(label, booking.closed_reason)


def _family_engagement(
    session: Session, current: list[_Drawn], reasons: list[Reason]
) -> Engagement:
    """The child and family are engaged when their views were obtained; the contact record
    covers the child and the parents together."""
    records = {
        record.selection_id: record
        for record in session.exec(
            select(FamilyEngagement).where(
                col(FamilyEngagement.selection_id).in_([row.selection_id for row in current])
            )
        ).all()
    }
    why_not: Counter[str] = Counter()
    for row in current:
        record = records.get(row.selection_id)
        if record is not None and record.status == EngagementStatus.VIEWS_OBTAINED:
            continue
        why_not[_family_reason(record)] += 1
    reasons.extend(_reasons(FAMILIES, why_not))
    not_engaged = sum(why_not.values())
    return Engagement(FAMILIES, len(current) - not_engaged, not_engaged)


_FAMILY_OUTCOMES = {
    EngagementStatus.NOT_APPROPRIATE: "Not appropriate",
    EngagementStatus.DECLINED: "Declined",
    EngagementStatus.NO_CONTACT: "Could not be contacted",
}


def _family_reason(record: FamilyEngagement | None) -> str:
    if record is None:
        return "No contact planned or recorded"
    if record.status == EngagementStatus.PLANNED:
        return "Contact planned, outcome not recorded"
    return _with_detail(_FAMILY_OUTCOMES.get(record.status, record.status), record.reason)


def _with_detail(label: str, detail: str | None) -> str:
    text = " ".join((detail or "").split())
    if len(text) > _REASON_LENGTH:
        text = text[: _REASON_LENGTH - 1] + "…"
    return f"{label}: {text}" if text else label


def _reasons(group: str, counts: Counter[str]) -> list[Reason]:
    return [
        Reason(group, reason, count)
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _latest_bookings(session: Session, selection_ids: list[int]) -> dict[int, Booking]:
    """Each selection's latest booking that was not moved (a re-booking replaces it)."""
    latest: dict[int, Booking] = {}
    for booking in session.exec(
        select(Booking)
        .where(col(Booking.selection_id).in_(selection_ids), Booking.status != BookingStatus.MOVED)
        .order_by(col(Booking.id))
    ).all():
        latest[booking.selection_id] = booking
    return latest


def _action_tracker(session: Session, months: list[Month], as_of: date) -> list[ActionTracker]:
    done = AuditAction.status == ActionStatus.DONE
    rows = session.exec(
        _submitted_in(
            [str(m) for m in months],
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((and_(~done, col(AuditAction.due_on) < as_of), 1), else_=0)),
        )
        .join(AuditAction, col(AuditAction.audit_id) == Audit.id)
        .group_by(SelectionRound.month)
    ).all()
    found = {month: (total, completed, late) for month, total, completed, late in rows}
    return [ActionTracker(month, *found.get(str(month), (0, 0, 0))) for month in months]


def _tac_summaries(session: Session, period: Period) -> list[TacSummaryCount]:
    rows = session.exec(
        select(Team.name, func.count())
        .join(TacSummary, col(TacSummary.team_id) == Team.id)
        .where(TacSummary.completed_on >= period.first_day)
        .where(TacSummary.completed_on <= period.last_day)
        .group_by(Team.name)
        .order_by(Team.name)
    ).all()
    return [TacSummaryCount(team, count) for team, count in rows]
