"""The figures of the QA briefing, as plain data (no Slack, no files).

A briefing covers a period (a month or a quarter) and compares it with the periods before it
(`report.trend_periods`). Audits belong to the month their case was drawn for (Gloucestershire's
"May audits"), whenever they were submitted; counts are as the database stands on `as_of`.

Grades are as moderated: where a moderator's re-audit gave a different judgement (overall, or
for a domain), that one counts; the briefing also shows the overall judgements as first given
and how many moved up or down. An inadmissible audit counts as done and is left out of the
grades and the analysis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import and_, case
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy, RoundsPolicy
from bot.report.engagement import MANAGERS, DoneAudit, Engagement, engagement_of
from bot.report.learning import (
    GoodPractice,
    HeldBack,
    InadequateTracking,
    grades_good_or_better,
    held_back,
    inadequate_tracking,
)
from bot.report.moderation import ReauditAgreement, reaudit_agreement
from bot.report.oversight import oversight_in
from bot.report.period import Period
from bot.rounds.status import RoundSummary, rounds_in
from models import (
    Audit,
    AuditAction,
    Booking,
    Case,
    ConcernReview,
    Extension,
    ModeratedJudgement,
    Reaudit,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    SupervisionGapAlert,
    TacSummary,
    Team,
)
from models.concern import on_register_at_each
from models.statuses import (
    ActionStatus,
    AuditStatus,
    BookingStatus,
    ExtensionStatus,
    ReauditStatus,
    SelectionStatus,
)

OVERALL = "Overall"
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
    inadmissible: int = 0  # completed, then found unusable

    @property
    def completed(self) -> int:
        return self.completed_in_time + self.completed_late

    @property
    def not_completed(self) -> int:
        return self.identified - self.completed

    @property
    def analysed(self) -> int:
        return self.completed - self.inadmissible


@dataclass(frozen=True)
class GradeCounts:
    period: Period
    domain: str  # a domain's title, or OVERALL
    counts: dict[str, int]  # every grade of the framework, in its order

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Moderation:
    """The period's analysed audits: their overall judgements as first given and after
    moderation, and how many a moderator moved."""

    period: Period
    before: dict[str, int]
    after: dict[str, int]
    moderated: int = 0
    moved_up: int = 0
    moved_down: int = 0

    @property
    def unchanged(self) -> int:
        return self.moderated - self.moved_up - self.moved_down


@dataclass(frozen=True)
class ConcernCounts:
    period: Period
    category_1: int = 0  # raised by the period's audits
    category_1_acknowledged: int = 0
    category_2: int = 0
    category_1_open: int = 0  # of those, still on the register on `as_of`
    category_2_open: int = 0
    on_register: int = 0  # the register's size (every concern) at the period's end
    # Sefton's immediate response to no supervision for months (bot/audit/supervision_gap.py)
    supervision_gaps: int = 0
    supervision_gaps_acknowledged: int = 0


@dataclass(frozen=True)
class RegisterEntry:
    """A case of concern from the period's audits. It names the case: it is shown only to
    people entitled to it (see bot/report/delivery.py)."""

    case_ref: str
    team: str
    manager: str
    category: str
    submitted_on: date
    alert_acknowledged_on: date | None
    line_manager_ids: frozenset[int]  # the team manager's service manager and head of service
    closed_on: date | None = None  # removed from the register


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
    grades: list[GradeCounts]  # after moderation
    moderation: list[Moderation]
    concerns: list[ConcernCounts]
    register: list[RegisterEntry]
    engagement: list[Engagement]  # of the period's completed audits
    reasons: list[Reason]  # why the period's audits were not completed
    actions: list[ActionTracker]
    reaudit_agreement: list[ReauditAgreement]
    good_practice: list[GoodPractice] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)
    inadequate: InadequateTracking = InadequateTracking()
    tac_summaries: list[TacSummaryCount] = field(default_factory=list)
    # Months of the period with no selection, and why (the programme calendar, issue 13).
    no_selection: list[str] = field(default_factory=list)
    rounds: list[RoundSummary] = field(default_factory=list)  # issue 12: audited in the period
    # Issue 25 (Bolton): a sentence of counts per oversight practice used in the period.
    oversight: list[str] = field(default_factory=list)
    # "provisional" (before the moderation window closes), "final" (after it), or None when
    # the programme has no moderation window.
    stage: str | None = None

    @property
    def current(self) -> Completion:
        return self.completion[-1]

    @property
    def current_concerns(self) -> ConcernCounts:
        return self.concerns[-1]

    @property
    def current_moderation(self) -> Moderation:
        return self.moderation[-1]

    @property
    def overall_grades(self) -> list[GradeCounts]:
        return [row for row in self.grades if row.domain == OVERALL]

    @property
    def compared(self) -> int:
        return len(self.completion) - 1


@dataclass(frozen=True)
class _Drawn:
    """One drawn case (or a manager with none to draw) and what became of its audit."""

    selection_id: int
    month: str
    status: str
    due_on: date | None
    audit_id: int | None
    audit_status: str | None
    submitted_on: date | None
    overall: str | None
    moderated_overall: str | None  # the latest submitted re-audit's, if it gave one
    concern: str | None
    alert_acknowledged: bool
    inadmissible: bool
    manager_engagement: str | None
    practitioner_engagement: str | None

    @property
    def submitted(self) -> bool:
        return self.audit_status == AuditStatus.SUBMITTED

    @property
    def analysed(self) -> bool:
        return self.submitted and not self.inadmissible

    @property
    def final_overall(self) -> str | None:
        return self.moderated_overall or self.overall


def compute_briefing(
    session: Session,
    period: Period,
    *,
    framework: FrameworkPolicy,
    timezone: tzinfo,
    as_of: date,
    rounds: RoundsPolicy | None = None,
    trend_periods: int = 3,
) -> Briefing:
    periods = period.with_previous(trend_periods)
    drawn = _drawn_cases(session, periods, timezone)
    extended = _extended_selections(session)
    current = [
        row
        for row in drawn
        if row.month in _keys(period) and row.status == SelectionStatus.SELECTED
    ]
    analysed = [row for row in current if row.analysed]
    analysed_ids = {row.selection_id for row in analysed}
    domain_grades = _domain_grades(session, [r for r in drawn if r.analysed], framework)
    lowest = framework.grades[-1:] if framework.grades else []
    return Briefing(
        period=period,
        as_of=as_of,
        framework=framework.name,
        grade_scale=list(framework.grades),
        completion=[_completion(p, drawn, extended) for p in periods],
        grades=_grades(periods, drawn, domain_grades, framework),
        moderation=[_moderation(p, drawn, framework) for p in periods],
        concerns=_concerns_by_period(session, periods, drawn, timezone, as_of),
        register=_register(session, period, timezone),
        engagement=engagement_of(
            session,
            [
                DoneAudit(row.selection_id, row.manager_engagement, row.practitioner_engagement)
                for row in current
                if row.submitted
            ],
        ),
        reasons=_not_completed_reasons(session, current),
        actions=_action_tracker(session, [m for p in periods for m in p.months], as_of),
        reaudit_agreement=reaudit_agreement(session, period, framework),
        good_practice=_good_practice(session, analysed, framework),
        held_back=held_back(
            [
                (title, grade)
                for (selection_id, title), grade in domain_grades.items()
                if selection_id in analysed_ids
            ],
            list(framework.grades),
        ),
        inadequate=inadequate_tracking(
            session,
            [row.audit_id for row in analysed if lowest and row.final_overall in lowest],
            as_of,
        ),
        tac_summaries=_tac_summaries(session, period),
        rounds=(
            rounds_in(session, rounds, framework, period.first_day, period.last_day)
            if rounds is not None
            else []
        ),
        oversight=oversight_in(session, period, timezone, as_of),
    )


@cache  # asked for every drawn case of every period
def _keys(period: Period) -> frozenset[str]:
    return frozenset(str(month) for month in period.months)


def _window(periods: list[Period]) -> list[str]:
    return sorted(set().union(*(_keys(p) for p in periods)))


def _drawn_cases(session: Session, periods: list[Period], timezone: tzinfo) -> list[_Drawn]:
    # The audit's columns the figures use, not its row: its answers are the bulk of it.
    rows = session.exec(
        select(
            Selection.id,
            SelectionRound.month,
            Selection.status,
            Selection.due_on,
            col(Audit.id).label("audit_id"),
            Audit.status,
            Audit.submitted_at,
            Audit.overall,
            Audit.concern,
            Audit.inadmissible_reason,
            Audit.manager_engagement,
            Audit.practitioner_engagement,
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
    moderated = _moderated_overall(
        session, [row.audit_id for row in rows if row.audit_id is not None]
    )
    return [
        _Drawn(
            selection_id=selection_id,
            month=month,
            status=status,
            due_on=due_on,
            audit_id=audit_id,
            audit_status=audit_status,
            submitted_on=_local_day(submitted_at, timezone),
            overall=overall,
            moderated_overall=moderated.get(audit_id) if audit_id is not None else None,
            concern=concern,
            alert_acknowledged=acknowledged_at is not None,
            inadmissible=inadmissible_reason is not None,
            manager_engagement=manager_engagement,
            practitioner_engagement=practitioner_engagement,
        )
        for (
            selection_id,
            month,
            status,
            due_on,
            audit_id,
            audit_status,
            submitted_at,
            overall,
            concern,
            inadmissible_reason,
            manager_engagement,
            practitioner_engagement,
            acknowledged_at,
        ) in rows
    ]


def _moderated_overall(session: Session, audit_ids: list[int]) -> dict[int, str]:
    """Each audit's overall judgement after moderation, from its latest submitted re-audit
    that recorded one."""
    found: dict[int, str] = {}
    for audit_id, grade in session.exec(
        select(Reaudit.audit_id, Reaudit.overall_grade)
        .where(col(Reaudit.audit_id).in_(audit_ids), Reaudit.status == ReauditStatus.SUBMITTED)
        .where(col(Reaudit.overall_grade).is_not(None))
        .order_by(col(Reaudit.submitted_at), col(Reaudit.id))
    ).all():
        found[audit_id] = grade
    return found


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
        inadmissible=sum(row.inadmissible for row in done),
    )


def _concerns_by_period(
    session: Session, periods: list[Period], drawn: list[_Drawn], timezone: tzinfo, as_of: date
) -> list[ConcernCounts]:
    """Each period's concerns, from one look-up of the closed ones and one of the supervision
    gaps across all the periods' audits."""
    submitted = [row for row in drawn if row.submitted]
    closed = _closed_concerns(session, [row.audit_id for row in submitted if row.concern != "none"])
    gaps = _supervision_gap_acknowledgements(session, [row.audit_id for row in submitted])
    registered = on_register_at_each(
        session, [_end_of(min(period.last_day, as_of), timezone) for period in periods]
    )
    return [
        _concerns(period, submitted, closed, gaps, on_register)
        for period, on_register in zip(periods, registered, strict=True)
    ]


def _concerns(
    period: Period,
    submitted: list[_Drawn],
    closed: set[int],
    gaps: dict[int, list[datetime | None]],
    on_register: int,
) -> ConcernCounts:
    rows = [row for row in submitted if row.month in _keys(period)]
    category_1 = [row for row in rows if row.concern == "category_1"]
    still_open = [row for row in rows if row.concern != "none" and row.audit_id not in closed]
    acknowledged = [moment for row in rows for moment in gaps.get(row.audit_id, [])]
    return ConcernCounts(
        period=period,
        category_1=len(category_1),
        category_1_acknowledged=sum(row.alert_acknowledged for row in category_1),
        category_2=sum(row.concern == "category_2" for row in rows),
        category_1_open=sum(row.concern == "category_1" for row in still_open),
        category_2_open=sum(row.concern == "category_2" for row in still_open),
        on_register=on_register,
        supervision_gaps=len(acknowledged),
        supervision_gaps_acknowledged=sum(moment is not None for moment in acknowledged),
    )


def _supervision_gap_acknowledgements(
    session: Session, audit_ids: list[int]
) -> dict[int, list[datetime | None]]:
    """When each audit's "no supervision" alerts were acknowledged (None: not yet)."""
    found: dict[int, list[datetime | None]] = {}
    for audit_id, acknowledged_at in session.exec(
        select(SupervisionGapAlert.audit_id, SupervisionGapAlert.acknowledged_at).where(
            col(SupervisionGapAlert.audit_id).in_(audit_ids)
        )
    ).all():
        found.setdefault(audit_id, []).append(acknowledged_at)
    return found


def _end_of(day: date, timezone: tzinfo) -> datetime:
    """The last moment of `day` where the authority is (midnight after it)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=timezone) - timedelta(
        microseconds=1
    )


def _closed_concerns(session: Session, audit_ids: list[int]) -> set[int]:
    return set(
        session.exec(
            select(ConcernReview.audit_id).where(
                col(ConcernReview.audit_id).in_(audit_ids),
                col(ConcernReview.closed_at).is_not(None),
            )
        ).all()
    )


def _submitted_in(months: Iterable[str], *columns: Any):
    """`columns` of the submitted audits of cases drawn for `months`, each with its month."""
    return (
        select(SelectionRound.month, *columns)
        .join(Selection, col(Selection.round_id) == SelectionRound.id)
        .join(Audit, col(Audit.selection_id) == Selection.id)
        .where(col(SelectionRound.month).in_(list(months)), Audit.status == AuditStatus.SUBMITTED)
    )


def _domain_grades(
    session: Session, analysed: list[_Drawn], framework: FrameworkPolicy
) -> dict[tuple[int, str], str]:
    """(selection, domain title) → its grade after moderation, for the analysed audits."""
    if not framework.grades:
        return {}
    by_audit = {row.audit_id: row.selection_id for row in analysed}
    titles = {domain.id: domain.title for domain in framework.domains}
    grades: dict[tuple[int, str], str] = {}
    # Streamed: a scale-4 authority's answers for the trend periods are 10 MB as dicts. (Not
    # picked out by path in SQL: PostgreSQL parses a json column once per path, 12x slower.)
    answers_of_audits = select(Audit.id, Audit.answers).where(col(Audit.id).in_(list(by_audit)))
    for audit_id, answers in session.exec(answers_of_audits.execution_options(yield_per=500)):
        for domain_id, title in titles.items():
            grade = (answers.get(domain_id) or {}).get("grade")
            if grade:
                grades[(by_audit[audit_id], title)] = grade
    for audit_id, domain_id, grade in session.exec(
        select(Reaudit.audit_id, ModeratedJudgement.domain_id, ModeratedJudgement.moderated_grade)
        .join(Reaudit, col(Reaudit.id) == ModeratedJudgement.reaudit_id)
        .where(col(Reaudit.audit_id).in_(list(by_audit)), Reaudit.status == ReauditStatus.SUBMITTED)
        .where(col(ModeratedJudgement.agreed).is_(False))
        .where(col(ModeratedJudgement.moderated_grade).is_not(None))
        .order_by(col(Reaudit.submitted_at), col(Reaudit.id))
    ).all():
        if domain_id in titles:
            grades[(by_audit[audit_id], titles[domain_id])] = grade
    return grades


def _grades(
    periods: list[Period],
    drawn: list[_Drawn],
    domain_grades: dict[tuple[int, str], str],
    framework: FrameworkPolicy,
) -> list[GradeCounts]:
    """Each domain's grades and the overall grade after moderation, per period; none for a
    framework of evaluative statements without grades."""
    if not framework.grades:
        return []
    month_of = {row.selection_id: row.month for row in drawn}
    counted: Counter[tuple[str, str, str]] = Counter(
        (month_of[selection_id], title, grade)
        for (selection_id, title), grade in domain_grades.items()
    )
    for row in drawn:
        if row.analysed and row.final_overall:
            counted[(row.month, OVERALL, row.final_overall)] += 1
    return [
        GradeCounts(
            period=period,
            domain=title,
            counts={
                grade: sum(counted[(key, title, grade)] for key in _keys(period))
                for grade in framework.grades
            },
        )
        for title in [*(d.title for d in framework.domains), OVERALL]
        for period in periods
    ]


def _moderation(period: Period, drawn: list[_Drawn], framework: FrameworkPolicy) -> Moderation:
    rows = [row for row in drawn if row.month in _keys(period) and row.analysed and row.overall]
    order = {grade: index for index, grade in enumerate(framework.grades)}
    moved = [
        order.get(row.moderated_overall, 0) - order.get(row.overall, 0)
        for row in rows
        if row.moderated_overall
    ]
    return Moderation(
        period=period,
        before={g: sum(row.overall == g for row in rows) for g in framework.grades},
        after={g: sum(row.final_overall == g for row in rows) for g in framework.grades},
        moderated=len(moved),
        moved_up=sum(step < 0 for step in moved),  # the scale is best first
        moved_down=sum(step > 0 for step in moved),
    )


def _register(session: Session, period: Period, timezone: tzinfo) -> list[RegisterEntry]:
    manager, service_manager = aliased(Staff), aliased(Staff)
    rows = session.exec(
        _joined_to_line(
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
                ConcernReview.closed_at,
            )
            .join(Case, col(Case.id) == Selection.case_id)
            .join(Team, col(Team.id) == Selection.team_id),
            manager,
            service_manager,
        )
        .outerjoin(SafeguardingAlert, col(SafeguardingAlert.audit_id) == Audit.id)
        .outerjoin(ConcernReview, col(ConcernReview.audit_id) == Audit.id)
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
            closed_on=_local_day(closed_at, timezone),
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
            closed_at,
        ) in rows
    ]


def _good_practice(
    session: Session, analysed: list[_Drawn], framework: FrameworkPolicy
) -> list[GoodPractice]:
    """The impact statements of the period's Good and Outstanding audits (after moderation)."""
    good = grades_good_or_better(list(framework.grades))
    rows = {row.audit_id: row for row in analysed if row.final_overall in good}
    if not rows:
        return []
    manager, service_manager = aliased(Staff), aliased(Staff)
    found = session.exec(
        _joined_to_line(
            select(
                Audit.id,
                Audit.answers,
                Case.case_ref,
                Team.name,
                manager.manager_id,
                service_manager.manager_id,
            )
            .join(Selection, col(Selection.id) == Audit.selection_id)
            .join(Case, col(Case.id) == Selection.case_id)
            .join(Team, col(Team.id) == Selection.team_id),
            manager,
            service_manager,
        )
        .where(col(Audit.id).in_(list(rows)))
        .order_by(Case.case_ref)
    ).all()
    return [
        GoodPractice(
            case_ref=case_ref,
            team=team,
            grade=rows[audit_id].final_overall,
            impact=" ".join(str((answers.get("final") or {}).get("impact", "")).split()),
            line_manager_ids=frozenset(i for i in (line_1, line_2) if i is not None),
        )
        for audit_id, answers, case_ref, team, line_1, line_2 in found
    ]


def _joined_to_line(query: Any, manager: Any, service_manager: Any) -> Any:
    """`query` (over a Selection) joined to its team manager and their service manager, whose
    own managers are the line entitled to the case."""
    return query.join(manager, manager.id == Selection.manager_id).outerjoin(
        service_manager, service_manager.id == manager.manager_id
    )


def _not_completed_reasons(session: Session, current: list[_Drawn]) -> list[Reason]:
    """Why each of the period's audits not completed got no further."""
    bookings = _latest_bookings(session, [row.selection_id for row in current if not row.submitted])
    reasons: Counter[str] = Counter()
    for row in current:
        if row.submitted:
            continue
        if row.audit_status == AuditStatus.DRAFT:
            reasons["Audit started, not submitted"] += 1
        else:
            reasons[_discussion_state(bookings.get(row.selection_id))] += 1
    return [
        Reason(MANAGERS, reason, count)
        for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]


def _discussion_state(booking: Booking | None) -> str:
    prefix = "Audit not started"
    if booking is None:
        return f"{prefix}: no discussion booked"
    if booking.status == BookingStatus.HELD:
        return f"{prefix}: discussion held"
    if booking.status == BookingStatus.BOOKED and booking.practitioner_reply == "cannot":
        return f"{prefix}: the practitioner cannot attend the discussion"
    if booking.status == BookingStatus.BOOKED:
        return f"{prefix}: discussion booked, not yet held"
    return f"{prefix}: discussion {booking.status.replace('_', ' ')}"


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
