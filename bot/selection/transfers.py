"""Case transfers: a cases.csv import moved a case that is selected for audit to another team
or practitioner. The audit follows the policy's `transfer` rule:

- `stay` (default): it stays with the team manager it was drawn for;
- `follow`: it moves to the new team's manager, unless the audit or its discussion has already
  begun (then it stays, and everyone is told why).

Everyone affected (the manager who had it, the one who has it now, the new team's manager, the
practitioner who held the case and the one who holds it now) is told once by DM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.core.outbox import queue_dm, queue_update
from bot.policy.schema import Policy
from bot.selection.draw import next_attempt
from bot.selection.manager_message import (
    queue_selection_message,
    render_selection_message,
    selection_dm_key,
    selection_month,
)
from messages import render
from models import Audit, Case, Selection, SelectionRound, Staff, Team
from models.booking import latest_booking
from models.statuses import AuditStatus, BookingStatus, SelectionStatus, StaffStatus


@dataclass(frozen=True)
class CaseMove:
    """A case's team or practitioner before and after an import."""

    case_id: int
    old_team_id: int
    old_worker_id: int
    new_team_id: int
    new_worker_id: int

    @property
    def label(self) -> str:
        return f"{self.old_team_id}.{self.old_worker_id}-{self.new_team_id}.{self.new_worker_id}"


def follow_case_transfers(
    session: Session,
    moves: list[CaseMove],
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    actor: str,
) -> int:
    """Apply the transfer rule to every moved case that is selected for an audit not yet
    submitted, this month or later; returns how many selections were affected."""
    session.flush()
    this_month = str(Month.of(calendar.local(now).date()))
    affected = 0
    for move in moves:
        selections = session.exec(
            select(Selection)
            .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
            .where(Selection.case_id == move.case_id, Selection.status == SelectionStatus.SELECTED)
            .where(SelectionRound.month >= this_month)
        ).all()
        for selection in selections:
            if _audit_submitted(session, selection):
                continue
            _transfer(session, selection, move, policy=policy, calendar=calendar, now=now)
            auditlog.record(
                session, actor=actor, action="case.transfer", subject=f"selection:{selection.id}",
                now=now, rule=policy.transfer, old_team=move.old_team_id,
                new_team=move.new_team_id, old_worker=move.old_worker_id,
                new_worker=move.new_worker_id, auditor=selection.manager_id,
            )  # fmt: skip
            affected += 1
    return affected


def _transfer(
    session: Session,
    selection: Selection,
    move: CaseMove,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
) -> None:
    old_manager = session.get(Staff, selection.manager_id)
    new_team_manager = _team_manager(session, move.new_team_id, move.new_worker_id)
    moved_team = move.old_team_id != move.new_team_id
    outcome = "stays"
    if moved_team and policy.transfer == "follow":
        outcome = "follows" if new_team_manager and not _begun(session, selection) else "begun"
    old_dm = selection_dm_key(selection_month(session, selection), selection)
    if outcome == "follows":
        _hand_over(session, selection, new_team_manager, move.new_team_id)
        queue_selection_message(
            session, selection, new_team_manager, policy=policy, calendar=calendar, now=now
        )
    auditor = session.get(Staff, selection.manager_id)
    context = {
        "case": session.get(Case, move.case_id),
        "month": selection_month(session, selection).label,
        "old_team": session.get(Team, move.old_team_id),
        "new_team": session.get(Team, move.new_team_id),
        "old_worker": session.get(Staff, move.old_worker_id),
        "new_worker": session.get(Staff, move.new_worker_id),
        "auditor": auditor,
        "previous_auditor": old_manager,
        "outcome": outcome,
    }
    key = f"case-transfer:{selection.id}:{move.label}:{now:%Y%m%dT%H%M%S}"
    for person, role in _people_affected(old_manager, auditor, new_team_manager, context):
        queue_dm(
            session,
            key=f"{key}:{person.id}",
            recipient=person,
            message=render("case_transfer_dm", role=role, **context),
            concern=f"selection:{selection.id}",
            now=now,
        )
    # The first selection DM shows the old practitioner, or (handed over) buttons that are no
    # longer its reader's: bring it up to date.
    update = (
        render("case_transfer_dm", role="previous_auditor", **context)
        if outcome == "follows"
        else render_selection_message(session, selection, policy=policy, calendar=calendar, now=now)
    )
    queue_update(
        session, key=f"{key}:selection-dm", update_of=old_dm, message=update,
        concern=f"selection:{selection.id}", now=now,
    )  # fmt: skip


def _people_affected(
    old_manager: Staff, auditor: Staff, new_team_manager: Staff | None, context: dict
) -> list[tuple[Staff, str]]:
    """Each person once, in the role that matters most to them."""
    people: dict[int, tuple[Staff, str]] = {}
    candidates = [
        (auditor, "auditor"),
        (old_manager, "previous_auditor"),
        (new_team_manager, "new_team_manager"),
        (context["new_worker"], "new_worker"),
        (context["old_worker"], "old_worker"),
    ]
    for person, role in candidates:
        if person is not None and person.id not in people and person.is_active:
            people[person.id] = (person, role)
    return list(people.values())


def _hand_over(session: Session, selection: Selection, manager: Staff, team_id: int) -> None:
    """The selection becomes the new manager's: next to their own case, as a further attempt."""
    attempt = next_attempt(session, selection.round_id, manager.id)
    selection.manager_id = manager.id
    selection.team_id = team_id
    selection.attempt = attempt
    session.add(selection)
    session.flush()


def _team_manager(session: Session, team_id: int, worker_id: int) -> Staff | None:
    """The new team's manager: the practitioner's own manager when they manage that team,
    otherwise the team's first active team manager."""
    worker = session.get(Staff, worker_id)
    own = session.get(Staff, worker.manager_id) if worker and worker.manager_id else None
    if own is not None and own.team_id == team_id and own.has_role("team_manager"):
        return own
    managers = session.exec(
        select(Staff)
        .where(Staff.team_id == team_id, Staff.status == StaffStatus.ACTIVE)
        .where(col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    return next((person for person in managers if person.has_role("team_manager")), None)


def _begun(session: Session, selection: Selection) -> bool:
    booking = latest_booking(session, selection.id)
    started = session.exec(select(Audit.id).where(Audit.selection_id == selection.id)).first()
    return started is not None or (
        booking is not None and booking.status in (BookingStatus.BOOKED, BookingStatus.HELD)
    )


def _audit_submitted(session: Session, selection: Selection) -> bool:
    found = select(Audit.id).where(
        Audit.selection_id == selection.id, Audit.status == AuditStatus.SUBMITTED
    )
    return session.exec(found).first() is not None
