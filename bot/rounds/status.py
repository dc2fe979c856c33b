"""How audit rounds stand: cases drawn, attendance confirmed, audits done, findings per theme
question and actions; for `/audit round status` and the monthly briefing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from bot.core.errors import InvalidRequest
from bot.policy.schema import ROUND_KINDS, FrameworkPolicy, RoundsPolicy
from bot.rounds.judgement import is_final, judgement_of
from models import (
    Audit,
    AuditAction,
    AuditRound,
    Case,
    PoorPractice,
    RoundCase,
    RoundFindings,
    Selection,
    Staff,
)
from models.statuses import ActionStatus, Attendance, AuditStatus, SelectionStatus

STAGE_WORDS = {
    "awaiting_agreement": "awaiting the pair's agreement",
    "awaiting_qa": "awaiting QA",
    "returned": "returned for revision",
}


@dataclass(frozen=True)
class RoundCaseLine:
    case_ref: str
    service_area: str
    auditor: Staff
    practitioner: Staff
    attendance: str
    attendance_reason: str | None
    audit_status: str  # not started | draft | submitted


@dataclass
class RoundSummary:
    round: AuditRound
    kind: str
    question_set: str
    drawn: int = 0
    confirmed: int = 0
    declined: int = 0
    audited: int = 0
    not_final: int = 0  # submitted, awaiting the pair's agreement or the lead's QA (issue 25)
    actions: int = 0
    actions_done: int = 0
    # Of the audits done, whether the case's team manager and practitioner took part in the
    # auditor's discussion: {"took_part" | "not_available": count} (Participation).
    managers: Counter = field(default_factory=Counter)
    practitioners: Counter = field(default_factory=Counter)
    # question title → {grade or "answered": count}
    findings: dict[str, Counter] = field(default_factory=dict)
    cases: list[RoundCaseLine] = field(default_factory=list)
    # Issue 25 (Halton): the day's strengths, weaknesses and recommendations, once recorded;
    # poor practice conveyed to senior managers, and how much of it is not yet acknowledged.
    day_findings: RoundFindings | None = None
    poor_practice: int = 0
    poor_practice_waiting: int = 0

    @property
    def drawn_yet(self) -> bool:
        return self.round.selection_round_id is not None

    @property
    def headline(self) -> str:
        """The round and its counts in a line or two (no case references: fit for any reader
        of `/audit status`)."""
        audit_round = self.round
        when = f"{audit_round.audit_on:%-d %B %Y}" + (
            f" to {audit_round.audit_until:%-d %B %Y}" if audit_round.audit_until else ""
        )
        head = f"*{audit_round.name}* · {self.kind} · {self.question_set} · {when}"
        if not self.drawn_yet:
            return f"{head}\nCases to be drawn on {audit_round.selection_on:%A %-d %B %Y}."
        declined = f", {self.declined} can't attend" if self.declined else ""
        not_final = f" ({self.not_final} more awaiting agreement or QA)" if self.not_final else ""
        return (
            f"{head}\n{self.drawn} case(s) drawn · {self.confirmed} attendance confirmed"
            f"{declined} · {self.audited} audit(s) done{not_final} · {self.actions} action(s), "
            f"{self.actions_done} done"
            + (" · the day's findings recorded" if self.day_findings else "")
            + (
                f" · {self.poor_practice} poor practice report(s), "
                f"{self.poor_practice_waiting} not yet acknowledged"
                if self.poor_practice
                else ""
            )
        )


def round_summary(
    session: Session, rounds: RoundsPolicy, main: FrameworkPolicy, audit_round: AuditRound
) -> RoundSummary:
    """The round's counts and findings; its question set is its theme's, or `main`."""
    framework = rounds.framework_for(audit_round.theme, main)
    summary = RoundSummary(
        round=audit_round,
        kind=ROUND_KINDS[audit_round.kind],
        question_set=framework.name,
        day_findings=session.exec(
            select(RoundFindings).where(RoundFindings.round_id == audit_round.id)
        ).first(),
    )
    rows = session.exec(
        select(RoundCase, Case, Audit)
        .join(Case, col(Case.id) == RoundCase.case_id)
        .outerjoin(Audit, col(Audit.selection_id) == RoundCase.selection_id)
        .join(Selection, col(Selection.id) == RoundCase.selection_id)
        .where(RoundCase.round_id == audit_round.id)
        .where(Selection.status == SelectionStatus.SELECTED)  # not a case swapped out
        .order_by(Case.case_ref)
    ).all()
    submitted = []
    for round_case, case, audit in rows:
        summary.drawn += 1
        summary.confirmed += round_case.attendance == Attendance.YES
        summary.declined += round_case.attendance == Attendance.NO
        status = audit.status if audit is not None else "not started"
        if status == AuditStatus.SUBMITTED:
            judgement = judgement_of(session, audit.id)
            if is_final(judgement):
                submitted.append(audit)
            else:  # issue 25: with the pair or the lead reviewer, not final yet
                summary.not_final += 1
                status = STAGE_WORDS[judgement.stage]
        summary.cases.append(
            RoundCaseLine(
                case_ref=case.case_ref,
                service_area=round_case.service_area,
                auditor=session.get(Staff, round_case.auditor_id),
                practitioner=session.get(Staff, case.worker_id),
                attendance=round_case.attendance,
                attendance_reason=round_case.attendance_reason,
                audit_status=status,
            )
        )
    summary.audited = len(submitted)
    reports = session.exec(
        select(PoorPractice.acknowledged_at)
        .join(RoundCase, col(RoundCase.id) == PoorPractice.round_case_id)
        .where(RoundCase.round_id == audit_round.id)
    ).all()
    summary.poor_practice = len(reports)
    summary.poor_practice_waiting = sum(1 for acknowledged in reports if acknowledged is None)
    summary.managers = Counter(a.manager_engagement for a in submitted if a.manager_engagement)
    summary.practitioners = Counter(
        a.practitioner_engagement for a in submitted if a.practitioner_engagement
    )
    for domain in framework.domains:
        answers = [audit.answers.get(domain.id) or {} for audit in submitted]
        summary.findings[domain.title] = Counter(
            answer.get("grade") or "answered" for answer in answers if answer
        )
    action_states = session.exec(
        select(AuditAction.status, func.count())
        .where(col(AuditAction.audit_id).in_([audit.id for audit in submitted]))
        .group_by(AuditAction.status)
    ).all()
    counts = dict(action_states)
    summary.actions = sum(counts.values())
    summary.actions_done = counts.get(ActionStatus.DONE, 0)
    return summary


def named_round(session: Session, name: str) -> AuditRound:
    audit_round = session.exec(select(AuditRound).where(AuditRound.name == name)).first()
    if audit_round is None:
        raise InvalidRequest(f"There is no round called {name}. `/audit round status` lists them.")
    return audit_round


def rounds_between(session: Session, first: date, last: date) -> list[AuditRound]:
    """Rounds whose audit date falls in [first, last], by date."""
    return list(
        session.exec(
            select(AuditRound)
            .where(AuditRound.audit_on >= first, AuditRound.audit_on <= last)
            .order_by(col(AuditRound.audit_on), col(AuditRound.id))
        ).all()
    )


def rounds_in(
    session: Session, rounds: RoundsPolicy, main: FrameworkPolicy, first: date, last: date
) -> list[RoundSummary]:
    """The summaries of the rounds audited between `first` and `last` (a month, a quarter)."""
    return [
        round_summary(session, rounds, main, audit_round)
        for audit_round in rounds_between(session, first, last)
    ]


def current_rounds(session: Session, today: date, recent_days: int = 62) -> list[AuditRound]:
    """Rounds still to come or audited in the last two months, for the list."""
    return rounds_between(session, date.fromordinal(today.toordinal() - recent_days), date.max)
