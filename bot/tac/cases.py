"""Which open TAC cases a manager's teams hold, and where each stands: the queries behind the
checkpoint, the weekly digest and the team digest's counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, update
from sqlmodel import Session, col, select

from bot.policy.schema import TacPolicy
from bot.tac.rules import (
    LONG_TERM,
    TAC_CASE_TYPE,
    SummaryStatus,
    attention_cutoffs,
    cadence_for,
    cadence_words,
    checkpoint_order,
    summary_status,
)
from messages import render
from models import Case, Staff, TacDecision, TacSupervision, TacTask, Team
from models.statuses import CaseStatus, StaffStatus, SupervisionStatus, TacTaskStatus


@dataclass(frozen=True)
class LastDecision:
    """What a case's latest recorded checkpoint decided, as the checkpoint and digests say it:
    a summary by a date, or not needed now and why."""

    complete_by: date | None
    reason: str | None


class CaseRef(NamedTuple):
    """The columns of a case the checkpoint and the digests show (not its row: a digest lists
    thousands at scale 4)."""

    id: int
    case_ref: str
    team_id: int


class TeamRef(NamedTuple):
    """The columns of a team the checkpoint and the digests use."""

    id: int
    name: str
    team_type: str


class WorkerRef(NamedTuple):
    """The columns of a case's practitioner the checkpoint and the digests use (a mention)."""

    id: int
    name: str
    slack_user_id: str | None
    newly_qualified: bool


class OpenTask(NamedTuple):
    """A summary task still open on the case: by when it is planned."""

    due_on: date


@dataclass(frozen=True)
class TacCase:
    """An open TAC case as the checkpoint and the digest show it."""

    case: CaseRef
    team: TeamRef
    worker: WorkerRef
    cadence: str
    status: SummaryStatus
    open_task: OpenTask | None
    last_decision: LastDecision | None
    last_considered_on: date | None


def team_managers(session: Session) -> list[Staff]:
    people = session.exec(
        select(Staff)
        .where(Staff.status == StaffStatus.ACTIVE, col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    return [person for person in people if person.has_role("team_manager")]


def team_ids_by_manager(session: Session, managers: list[Staff]) -> dict[int, set[int]]:
    """`manager_team_ids` of each manager, in one query."""
    teams = {manager.id: {manager.team_id} if manager.team_id else set() for manager in managers}
    rows = session.exec(
        select(Staff.manager_id, Staff.team_id).where(
            col(Staff.manager_id).in_(list(teams)), Staff.status == StaffStatus.ACTIVE
        )
    ).all()
    for manager_id, team_id in rows:
        if team_id is not None:
            teams[manager_id].add(team_id)
    return teams


def manager_team_ids(session: Session, manager: Staff) -> set[int]:
    """The manager's own team and the teams of the people they line-manage."""
    teams = {manager.team_id} if manager.team_id else set()
    teams.update(
        team_id
        for team_id in session.exec(
            select(Staff.team_id).where(
                Staff.manager_id == manager.id, Staff.status == StaffStatus.ACTIVE
            )
        ).all()
        if team_id is not None
    )
    return teams


def tac_cases(
    session: Session,
    *,
    policy: TacPolicy,
    today: date,
    team_ids: Iterable[int] | None = None,
    worker_id: int | None = None,
    case_ids: list[int] | None = None,
    with_decisions: bool = True,
    needing_attention: bool = False,
) -> list[TacCase]:
    """Open TAC cases of the teams (and worker), most urgent first; or exactly `case_ids`, in
    that order (a checkpoint's page plan, whatever has changed since). Without
    `with_decisions` the last decisions are not looked up (left None); `needing_attention`
    keeps only the cases never summarised, overdue or due soon (the digests')."""
    query = _with_team_and_worker(
        select(
            Case.id,
            Case.case_ref,
            Case.team_id,
            Case.tac_last_summary_on,
            Case.opened_on,
            Team.id,
            Team.name,
            Team.team_type,
            Staff.id,
            Staff.name,
            Staff.slack_user_id,
            Staff.newly_qualified,
        )
    )
    if case_ids is not None:
        query = query.where(col(Case.id).in_(case_ids))
    else:
        query = _open_tac_cases_of(query, team_ids or [])
        if worker_id is not None:
            query = query.where(Case.worker_id == worker_id)
    if needing_attention:
        query = query.where(_may_need_attention(policy, today))
    # The same cases as a subquery: no bound parameter per case, however many there are.
    # Joined, not `IN (subquery)`: SQLite then checks each open task's case by its primary key
    # (the digests' task queries: 2 ms instead of 20 at scale 1, 37 instead of 120 at scale 4).
    cases = query.with_only_columns(col(Case.id)).subquery()
    rows = session.exec(_with_last_decision(query) if with_decisions else query).all()
    open_tasks = {
        case_id: OpenTask(due_on)
        for case_id, due_on in session.exec(
            select(TacTask.case_id, TacTask.due_on)
            .join(cases, col(TacTask.case_id) == cases.c.id)
            .where(TacTask.status == TacTaskStatus.OPEN)
        ).all()
    }
    found = []
    for case_id, case_ref, team_id, last_summary_on, opened_on, *columns in rows:
        team, worker = TeamRef(*columns[:3]), WorkerRef(*columns[3:7])
        decision, considered_on = _last_decision(*columns[7:])
        found.append(
            TacCase(
                case=CaseRef(case_id, case_ref, team_id),
                team=team,
                worker=worker,
                cadence=cadence_words(cadence_for(team.team_type, policy)),
                status=summary_status(
                    last_summary_on,
                    team_type=team.team_type,
                    newly_qualified=worker.newly_qualified,
                    today=today,
                    policy=policy,
                    opened_on=opened_on,
                ),
                open_task=open_tasks.get(case_id),
                last_decision=decision,
                last_considered_on=considered_on,
            )
        )
    if needing_attention:
        found = [item for item in found if item.status.needs_attention]
    if case_ids is not None:
        position = {case_id: index for index, case_id in enumerate(case_ids)}
        return sorted(found, key=lambda item: position[item.case.id])
    return sorted(found, key=lambda item: checkpoint_order(item.status, item.case.case_ref))


def summaries_due_by_manager(
    session: Session, *, policy: TacPolicy, today: date, managers: list[Staff]
) -> dict[int, list[TacCase]]:
    """What each manager's Monday digest and Home tab list, by manager id: their teams' open TAC
    cases never summarised and due, overdue or due soon (not the manager's own), most urgent
    first, each with its last checkpoint decision. One query set for the batch of managers."""
    teams_of = team_ids_by_manager(session, managers)
    by_team: dict[int, list[TacCase]] = {}
    for item in tac_cases(
        session,
        policy=policy,
        today=today,
        team_ids=set().union(*teams_of.values()),
        needing_attention=True,
    ):
        by_team.setdefault(item.case.team_id, []).append(item)
    return {
        manager.id: sorted(
            (
                item
                for team_id in teams_of[manager.id]
                for item in by_team.get(team_id, [])
                if item.worker.id != manager.id
            ),
            key=lambda item: checkpoint_order(item.status, item.case.case_ref),
        )
        for manager in managers
    }


def summaries_due_blocks(
    items: list[TacCase], *, title: str, with_worker: bool, more: str = ""
) -> list[dict[str, Any]]:
    """The cases under `title`, a line each, as the Monday digest and the Home tab show them."""
    return render(
        "tac_summaries_due", items=items, title=title, with_worker=with_worker, more=more
    )["blocks"]


def count_needing_attention(
    session: Session, *, policy: TacPolicy, today: date, team_ids: Iterable[int]
) -> Counter[int]:
    """How many open TAC cases of each team need attention today (the team digest's count),
    from four columns per case rather than the cases, their teams and workers."""
    rows = session.exec(
        _open_tac_cases_of(
            _with_team_and_worker(
                select(
                    Case.team_id,
                    Case.tac_last_summary_on,
                    Case.opened_on,
                    Team.team_type,
                    Staff.newly_qualified,
                )
            ),
            team_ids,
        ).where(_may_need_attention(policy, today))
    ).all()
    return Counter(
        team_id
        for team_id, last_summary_on, opened_on, team_type, newly_qualified in rows
        if summary_status(
            last_summary_on,
            team_type=team_type,
            newly_qualified=newly_qualified,
            today=today,
            policy=policy,
            opened_on=opened_on,
        ).needs_attention
    )


Query = TypeVar("Query", bound=Select)


def _with_team_and_worker(query: Query) -> Query:
    return query.join(Team, col(Team.id) == Case.team_id).join(
        Staff, col(Staff.id) == Case.worker_id
    )


def _open_tac_cases_of(query: Query, team_ids: Iterable[int]) -> Query:
    return query.where(
        Case.status == CaseStatus.OPEN,
        Case.case_type == TAC_CASE_TYPE,
        col(Case.team_id).in_(list(team_ids)),
    )


def _may_need_attention(policy: TacPolicy, today: date) -> ColumnElement[bool]:
    """Leaves out the cases summarised (never summarised: started) since their cadence's
    cutoff, unloaded."""
    cutoffs = attention_cutoffs(policy, today)
    last = func.coalesce(col(Case.tac_last_summary_on), col(Case.opened_on))
    long_term = col(Team.team_type) == LONG_TERM
    may = [
        and_(long_term, last <= cutoffs.long_term),
        and_(~long_term, last <= cutoffs.short_term),
    ]
    if cutoffs.newly_qualified is not None:
        may.append(and_(col(Staff.newly_qualified), last <= cutoffs.newly_qualified))
    return or_(*may)


def _with_last_decision(query: Query) -> Query:
    """The cases' rows with what their latest recorded checkpoint decided and when it was held
    (None when never considered): the decision each case notes as checkpoints are recorded."""
    return (
        query.add_columns(TacDecision.complete_by, TacDecision.reason, TacSupervision.held_on)
        .outerjoin(TacDecision, col(TacDecision.id) == Case.tac_last_decision_id)
        .outerjoin(TacSupervision, col(TacSupervision.id) == TacDecision.supervision_id)
    )


def _last_decision(
    complete_by: date | None = None, reason: str | None = None, held_on: date | None = None
) -> tuple[LastDecision | None, date | None]:
    if held_on is None:
        return None, None
    return LastDecision(complete_by=complete_by, reason=reason), held_on


def note_latest_decisions(session: Session, case_ids: Iterable[int]) -> None:
    """Each case notes its latest recorded checkpoint decision (the one with the newest
    `recorded_at`, then the highest id), for the digests to read without ranking them all."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return
    # Locked first: a checkpoint recorded meanwhile for the same case is then committed before
    # the look-up below begins, and seen by it (PostgreSQL; SQLite lets one writer in).
    session.execute(select(Case.id).where(col(Case.id).in_(wanted)).with_for_update())
    newest = (
        select(TacDecision.id)
        .join(TacSupervision, col(TacSupervision.id) == TacDecision.supervision_id)
        .where(
            TacDecision.case_id == Case.id,
            TacSupervision.status == SupervisionStatus.RECORDED,
        )
        .order_by(col(TacSupervision.recorded_at).desc(), col(TacDecision.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    session.execute(
        update(Case)
        .where(col(Case.id).in_(wanted))
        .values(tac_last_decision_id=newest)
        .execution_options(synchronize_session="fetch")
    )
