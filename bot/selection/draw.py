"""The monthly draw: one eligible open case at random for every team manager.

Reproducible: every pick uses ``Random(f"{round seed}:{manager email}:{attempt}")`` over the
manager's pool sorted by case reference, and the round stores its seed and criteria.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.months import Month
from bot.core.outbox import queue_update
from bot.policy.schema import Policy
from bot.selection.manager_message import (
    open_actions_of_earlier_audits,
    queue_selection_message,
    selection_dm_key,
)
from bot.selection.programme_calendar import is_paused, no_selection_reason, selection_day
from messages import escape_mrkdwn, render
from models import Case, Selection, SelectionRound, Staff, Team
from models.booking import BOOKING_OPEN, latest_booking
from models.db import rows_by_id

MIN_REDRAW_REASON = 10


@dataclass(frozen=True)
class Criteria:
    """What made a case eligible for a month's draw (stored with the round)."""

    case_types: list[str]
    opened_on_or_before: date
    not_selected_since: str  # first month of the look-back window, YYYY-MM

    @classmethod
    def for_month(cls, policy: Policy, month: Month) -> Criteria:
        rules = policy.selection
        return cls(
            case_types=list(rules.eligible_case_types),
            opened_on_or_before=month.first_day - timedelta(days=rules.min_open_days),
            not_selected_since=str(month.plus(-rules.exclude_selected_within_months)),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "case_types": self.case_types,
            "opened_on_or_before": self.opened_on_or_before.isoformat(),
            "not_selected_since": self.not_selected_since,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Criteria:
        return cls(
            case_types=list(data["case_types"]),  # type: ignore[arg-type]
            opened_on_or_before=date.fromisoformat(str(data["opened_on_or_before"])),
            not_selected_since=str(data["not_selected_since"]),
        )


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
    *,
    month: Month,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    actor: str,
    seed: str | None = None,
) -> SelectionOutcome:
    """Draw the month's cases and queue each manager's DM; a second run changes nothing."""
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
        seed=seed or secrets.token_hex(8),
        drawn_at=now,
        drawn_by=actor,
        criteria=criteria.as_dict(),
    )
    session.add(selection_round)
    session.flush()
    pools = _eligible_pools(session, criteria, month)
    due_on = calendar.last_working_day(month)
    taken: set[int] = set()
    drawn: list[tuple[Selection, Staff]] = []
    for manager in _team_managers(session):
        pool = [case_id for case_id in pools.get(manager.team_id, []) if case_id not in taken]
        draw_seed = f"{selection_round.seed}:{manager.email}:1"
        selection = _pick(
            selection_round, manager, pool, draw_seed, attempt=1, due_on=due_on, now=now
        )
        session.add(selection)
        if selection.case_id is not None:
            taken.add(selection.case_id)
            drawn.append((selection, manager))
    session.flush()
    auditlog.record(
        session,
        actor=actor,
        action="selection.draw",
        subject=str(month),
        now=now,
        seed=selection_round.seed,
        criteria=criteria.as_dict(),
    )
    loaded = _load_drawn(session, [selection.case_id for selection, _manager in drawn])
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
    return _outcome_of(session, selection_round, month, created=True)


def _load_drawn(session: Session, case_ids: list[int]) -> list[object]:
    """The drawn cases, their practitioners and teams, in three queries rather than three per
    manager when the DMs are written (kept referenced, so the session's identity map holds
    them meanwhile)."""
    cases = rows_by_id(session, Case, case_ids).values()
    workers = rows_by_id(session, Staff, (case.worker_id for case in cases))
    teams = rows_by_id(session, Team, (case.team_id for case in cases))
    return [*cases, *workers.values(), *teams.values()]


def _pick(
    selection_round: SelectionRound,
    manager: Staff,
    pool: list[int],
    draw_seed: str,
    *,
    attempt: int,
    due_on: date,
    now: datetime,
) -> Selection:
    """The manager's selection of a case drawn from `pool` (case ids in case-reference order)."""
    chosen = pool[random.Random(draw_seed).randrange(len(pool))] if pool else None
    return Selection(
        round_id=selection_round.id,
        manager_id=manager.id,
        team_id=manager.team_id,
        attempt=attempt,
        status="selected" if chosen else "no_eligible_case",
        case_id=chosen,
        pool_size=len(pool),
        draw_seed=draw_seed,
        due_on=due_on if chosen else None,
        created_at=now,
    )


def _team_managers(session: Session) -> list[Staff]:
    people = session.exec(
        select(Staff)
        .where(Staff.status == "active", col(Staff.team_id).is_not(None))
        .where(col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    return [person for person in people if person.has_role("team_manager")]


def _eligible_pools(
    session: Session, criteria: Criteria, month: Month, team_id: int | None = None
) -> dict[int, list[int]]:
    """Eligible open cases per team (or of one team), each list sorted by case reference: only
    their ids, streamed, as most of them are only counted (120,000 at scale 4)."""
    recently_selected = (
        sa_select(Selection.case_id)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(Selection.status == "selected", col(Selection.case_id).is_not(None))
        .where(
            SelectionRound.month >= criteria.not_selected_since, SelectionRound.month < str(month)
        )
    )
    eligible = (
        select(Case.id, Case.team_id)
        .where(Case.status == "open")
        .where(col(Case.case_type).in_(criteria.case_types))
        .where(Case.opened_on <= criteria.opened_on_or_before)
        .where(col(Case.id).not_in(recently_selected))
        .order_by(Case.case_ref)
    )
    if team_id is not None:
        eligible = eligible.where(Case.team_id == team_id)
    pools: dict[int, list[int]] = defaultdict(list)
    for case_id, case_team_id in session.exec(eligible):
        pools[case_team_id].append(case_id)
    return pools


def _outcome_of(
    session: Session, selection_round: SelectionRound, month: Month, *, created: bool
) -> SelectionOutcome:
    outcome = SelectionOutcome(
        month=month,
        created=created,
        drawn_at=selection_round.drawn_at,
        drawn_by=selection_round.drawn_by,
    )
    rows = session.exec(
        select(Selection, Staff, Case)
        .join(Staff, col(Staff.id) == Selection.manager_id)
        .join(Case, col(Case.id) == Selection.case_id, isouter=True)
        .where(Selection.round_id == selection_round.id, Selection.status != "replaced")
        .order_by(Staff.email)
    ).all()
    for _selection, manager, case in rows:
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
        .where(Selection.status != "replaced")
    ).first()


def redraw_refusal(session: Session, selection: Selection) -> str | None:
    """Why this selection can't be re-drawn now, or None when it can."""
    if selection.status != "selected":
        return "This case has already been replaced: see your latest message."
    booking = latest_booking(session, selection.id)
    if booking is not None and booking.status in (BOOKING_OPEN, "held"):
        return (
            "The discussion for this case is already booked or held. If the case must change, "
            "cancel the booking first, then ask for a different case."
        )
    return None


def redraw_case(
    session: Session,
    *,
    selection_id: int,
    actor: Staff,
    reason: str,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
) -> tuple[Selection, Case]:
    """Replace a manager's case with another eligible one, recording why."""
    reason = reason.strip()
    if len(reason) < MIN_REDRAW_REASON:
        raise InvalidRequest("Please say why you need a different case (a sentence is enough).")
    current = session.get(Selection, selection_id)
    if current is None or current.manager_id != actor.id:
        raise NotAllowed(
            "Only the team manager this case was drawn for can ask for a different case."
        )
    refusal = redraw_refusal(session, current)
    if refusal:
        raise InvalidRequest(refusal)
    selection_round = session.get(SelectionRound, current.round_id)
    old_case = session.get(Case, current.case_id)
    month = Month.parse(selection_round.month)
    criteria = Criteria.from_dict(selection_round.criteria)
    drawn_this_round = set(
        session.exec(
            select(Selection.case_id).where(
                Selection.round_id == selection_round.id, col(Selection.case_id).is_not(None)
            )
        ).all()
    )
    pool = [
        case_id
        for case_id in _eligible_pools(session, criteria, month, current.team_id)[current.team_id]
        if case_id not in drawn_this_round
    ]
    if not pool:
        team = session.get(Team, current.team_id)
        raise InvalidRequest(
            f"There is no other eligible case in {team.name} this month, so {old_case.case_ref} "
            "stays your case. If it cannot be audited, please tell your audit administrator."
        )
    attempt = next_attempt(session, selection_round.id, actor.id)
    replacement = _pick(
        selection_round,
        actor,
        pool,
        f"{selection_round.seed}:{actor.email}:{attempt}",
        attempt=attempt,
        due_on=current.due_on,
        now=now,
    )
    new_case = session.get(Case, replacement.case_id)
    current.status = "replaced"
    current.replaced_reason = reason
    current.replaced_by = actor.email
    current.replaced_at = now
    session.add(current)
    session.add(replacement)
    session.flush()
    auditlog.record(
        session,
        actor=actor.email,
        action="selection.redraw",
        subject=f"selection:{current.id}",
        now=now,
        reason=reason,
        replaced_case=old_case.case_ref,
        new_case=new_case.case_ref,
        new_selection=replacement.id,
    )
    queue_selection_message(
        session,
        replacement,
        actor,
        policy=policy,
        calendar=calendar,
        now=now,
        replaces=(old_case, reason),
    )
    queue_update(
        session,
        key=f"selection-replaced:{current.id}",
        update_of=selection_dm_key(month, current),
        message=render(
            "selection_replaced", case_ref=old_case.case_ref, month=month.label, reason=reason
        ),
        concern=f"selection:{current.id}",
        now=now,
    )
    return replacement, new_case


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


def run_scheduled_draw(
    session: Session,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    timezone: tzinfo,
    now: datetime,
) -> SelectionOutcome | None:
    """Draw this month's cases if the schedule says so and nobody has; None when nothing to do."""
    month = month_due_for_scheduled_draw(policy, calendar, timezone, now)
    if month is None or not _team_managers(session):
        return None
    already = session.exec(select(SelectionRound.id).where(SelectionRound.month == str(month)))
    if already.first() is not None or no_selection_reason(session, policy, month):
        return None
    return draw_monthly_selection(
        session, month=month, policy=policy, calendar=calendar, now=now, actor="scheduler"
    )
