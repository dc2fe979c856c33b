"""The monthly draw: one eligible open case at random for every team manager.

Reproducible: every pick uses ``Random(f"{round seed}:{manager email}:{attempt}")`` over the
manager's pool sorted by case reference, and the round stores its seed and criteria.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, func, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest
from bot.core.months import Month
from bot.core.tick import Tick
from bot.policy.schema import Policy
from bot.selection.eligibility import Criteria, eligible_pools
from bot.selection.manager_message import (
    open_actions_of_earlier_audits,
    queue_selection_message,
)
from bot.selection.programme_calendar import is_paused, no_selection_reason, selection_day
from messages import escape_mrkdwn
from models import Case, Selection, SelectionRound, Staff, Team
from models.db import insert_all, rows_by_id
from models.statuses import SelectionStatus, StaffStatus


@dataclass
class SelectionOutcome:
    month: Month
    created: bool
    drawn_at: datetime
    drawn_by: str
    drawn: list[tuple[Staff, Case]] = field(default_factory=list)
    no_eligible_case: list[Staff] = field(default_factory=list)
    not_on_slack: list[Staff] = field(default_factory=list)

    @property
    def manager_count(self) -> int:
        return len(self.drawn) + len(self.no_eligible_case)


def draw_monthly_selection(
    session: Session,
    tick: Tick,
    month: Month,
    *,
    actor: str,
    managers: list[Staff] | None = None,
) -> SelectionOutcome:
    """Draw the month's cases and queue each manager's DM; a second run changes nothing.
    `managers`: the team managers, when the caller has just read them."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    existing = session.exec(
        select(SelectionRound).where(SelectionRound.month == str(month))
    ).first()
    if existing is not None:
        return _outcome_of(session, existing, month, created=False)
    paused = no_selection_reason(session, policy, month)
    if paused is not None:
        raise InvalidRequest(
            f"{month.label} has {escape_mrkdwn(paused)}. Nothing has been drawn."
            + (f" To draw anyway: `/audit unpause {month}` first." if is_paused(paused) else "")
        )
    criteria = Criteria.for_month(policy, month)
    selection_round = SelectionRound(
        month=str(month),
        seed=tick.new_seed(),
        drawn_at=now,
        drawn_by=actor,
        criteria=criteria.as_dict(),
    )
    session.add(selection_round)
    session.flush()
    pools = eligible_pools(session, criteria, month)
    due_on = calendar.last_working_day(month)
    taken: set[int] = set()
    managers = _team_managers(session) if managers is None else managers
    picked: list[dict] = []
    for manager in managers:
        pool = [case_id for case_id in pools.get(manager.team_id, []) if case_id not in taken]
        draw_seed = f"{selection_round.seed}:{manager.email}:1"
        selection = pick(
            selection_round, manager, pool, draw_seed, attempt=1, due_on=due_on, now=now
        )
        picked.append(selection)
        if selection["case_id"] is not None:
            taken.add(selection["case_id"])
    stored = insert_all(session, Selection, picked, key="manager_id")
    drawn_or_not = list(zip(stored, managers, strict=True))
    drawn = [
        (selection, manager) for selection, manager in drawn_or_not if selection.case_id is not None
    ]
    auditlog.record(
        session,
        actor=actor,
        action="selection.draw",
        subject=str(month),
        now=now,
        seed=selection_round.seed,
        criteria=criteria.as_dict(),
    )
    cases, loaded = _load_drawn(session, [selection.case_id for selection, _manager in drawn])
    open_actions = open_actions_of_earlier_audits(session, [selection for selection, _ in drawn])
    for selection, manager in drawn:
        queue_selection_message(
            session,
            selection,
            manager,
            policy=policy,
            calendar=calendar,
            now=now,
            open_actions=open_actions[selection.id],
        )
    del loaded
    chosen = [(manager, cases.get(selection.case_id)) for selection, manager in drawn_or_not]
    return _tally(selection_round, month, chosen, created=True)


def _load_drawn(session: Session, case_ids: list[int]) -> tuple[dict[int, Case], list[object]]:
    """The drawn cases by id; with their practitioners and teams, in three queries rather than
    three per manager when the DMs are written (kept referenced, so the session's identity
    map holds them meanwhile)."""
    cases = rows_by_id(session, Case, case_ids)
    workers = rows_by_id(session, Staff, (case.worker_id for case in cases.values()))
    teams = rows_by_id(session, Team, (case.team_id for case in cases.values()))
    return cases, [*workers.values(), *teams.values()]


def pick(
    selection_round: SelectionRound,
    manager: Staff,
    pool: list[int],
    draw_seed: str,
    *,
    attempt: int,
    due_on: date,
    now: datetime,
) -> dict[str, Any]:
    """The columns of the manager's selection of a case drawn from `pool` (case ids in
    case-reference order): values, as the monthly draw inserts a row per manager at once."""
    chosen = pool[random.Random(draw_seed).randrange(len(pool))] if pool else None
    return {
        "round_id": selection_round.id,
        "manager_id": manager.id,
        "team_id": manager.team_id,
        "attempt": attempt,
        "status": SelectionStatus.SELECTED if chosen else SelectionStatus.NO_ELIGIBLE_CASE,
        "case_id": chosen,
        "pool_size": len(pool),
        "draw_seed": draw_seed,
        "due_on": due_on if chosen else None,
        "created_at": now,
    }


def _team_managers(session: Session) -> list[Staff]:
    people = session.exec(
        select(Staff)
        .where(Staff.status == StaffStatus.ACTIVE, col(Staff.team_id).is_not(None))
        .where(col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    return [person for person in people if person.has_role("team_manager")]


def _outcome_of(
    session: Session, selection_round: SelectionRound, month: Month, *, created: bool
) -> SelectionOutcome:
    rows = session.exec(
        select(Staff, Case)
        .select_from(Selection)
        .join(Staff, col(Staff.id) == Selection.manager_id)
        .join(Case, col(Case.id) == Selection.case_id, isouter=True)
        .where(
            Selection.round_id == selection_round.id, Selection.status != SelectionStatus.REPLACED
        )
        .order_by(Staff.email)
    ).all()
    return _tally(selection_round, month, rows, created=created)


def _tally(
    selection_round: SelectionRound,
    month: Month,
    chosen: Iterable[tuple[Staff, Case | None]],
    *,
    created: bool,
) -> SelectionOutcome:
    """The round's outcome from each manager (by email) and the case drawn for them, if any."""
    outcome = SelectionOutcome(
        month=month,
        created=created,
        drawn_at=selection_round.drawn_at,
        drawn_by=selection_round.drawn_by,
    )
    for manager, case in chosen:
        if case is None:
            outcome.no_eligible_case.append(manager)
        else:
            outcome.drawn.append((manager, case))
        if manager.slack_lookup == "not_found":
            outcome.not_on_slack.append(manager)
    return outcome


def current_selection(session: Session, manager: Staff, month: Month) -> Selection | None:
    return session.exec(
        select(Selection)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(SelectionRound.month == str(month), Selection.manager_id == manager.id)
        .where(Selection.status != SelectionStatus.REPLACED)
    ).first()


def next_attempt(session: Session, round_id: int, manager_id: int) -> int:
    """The manager's next attempt number in a round (a case transferred to them takes one)."""
    highest = session.exec(
        select(func.max(Selection.attempt)).where(
            Selection.round_id == round_id, Selection.manager_id == manager_id
        )
    ).one()
    return (highest or 0) + 1


def explain_selection(session: Session, selection: Selection) -> str:
    """How this case was drawn, in words an administrator can check."""
    selection_round = session.get(SelectionRound, selection.round_id)
    criteria = Criteria.from_dict(selection_round.criteria)
    team = session.get(Team, selection.team_id)
    rules = (
        f"{', '.join(criteria.case_types)} cases of {team.name}, open, opened on or before "
        f"{criteria.opened_on_or_before:%-d %B %Y}, "
        f"not selected since {criteria.not_selected_since}"
    )
    if selection.case_id is None:
        return f"No case was drawn: there were no eligible cases ({rules})."
    case = session.get(Case, selection.case_id)
    text = (
        f"{case.case_ref} was drawn at random from {selection.pool_size} eligible cases ({rules}). "
        f"The draw can be repeated to check it: cases sorted by reference, seed "
        f"`{selection.draw_seed}`."
    )
    if selection.attempt > 1:
        text += f" Re-draw {selection.attempt - 1}: cases already drawn this month were left out."
    return text


def month_due_for_scheduled_draw(
    policy: Policy, calendar: WorkingCalendar, timezone: tzinfo, now: datetime
) -> Month | None:
    """The month the scheduler should draw at `now`, if any.

    The draw is due from ``run_at`` on the month's selection day (local time; the first working
    day unless the policy's programme calendar says otherwise). After
    downtime it catches up within ``catch_up_working_days``; later than that an administrator
    decides, so a bot installed mid-month does not surprise anyone with a late draw.
    """
    local = now.astimezone(timezone)
    month = Month.of(local.date())
    first = selection_day(policy, calendar, month)
    if local.replace(tzinfo=None) < datetime.combine(first, policy.selection.run_at):
        return None
    late_by = calendar.working_days_between(first, local.date())
    return month if late_by <= policy.selection.catch_up_working_days else None


def run_scheduled_draw(session: Session, tick: Tick) -> SelectionOutcome | None:
    """Draw this month's cases if the schedule says so and nobody has; None when nothing to do."""
    policy, calendar = tick.policy, tick.calendar
    month = month_due_for_scheduled_draw(policy, calendar, tick.timezone, tick.now)
    if month is None:
        return None
    # The cheap check first: once drawn, every later tick of the month stops here.
    already = session.exec(select(SelectionRound.id).where(SelectionRound.month == str(month)))
    if already.first() is not None:
        return None
    managers = _team_managers(session)
    if not managers or no_selection_reason(session, policy, month):
        return None
    return draw_monthly_selection(session, tick, month, actor="scheduler", managers=managers)
