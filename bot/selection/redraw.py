"""Asking for a different case: the team manager's button and form on the selection DM, and the
re-draw itself, which replaces the case with another eligible one of the same team and records
why (the draw's seed and the next attempt number make it reproducible)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.months import Month
from bot.core.outbox import queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.policy.schema import Policy
from bot.selection.draw import next_attempt, pick
from bot.selection.eligibility import Criteria, eligible_pools
from bot.selection.manager_message import queue_selection_message, selection_dm_key
from messages import render
from models import Case, Selection, SelectionRound, Staff, Team
from models.booking import latest_booking
from models.statuses import BookingStatus, SelectionStatus

MIN_REDRAW_REASON = 10
ONLY_THE_MANAGER = "Only the team manager this case was drawn for can ask for another."


@on_click(Selection, missing=ONLY_THE_MANAGER)
def open_redraw_request(uow: UnitOfWork, selection: Selection) -> Reply:
    if selection.manager_id != uow.actor.id:
        return Reply.say(ONLY_THE_MANAGER)
    refusal = redraw_refusal(uow.session, selection)
    if refusal:
        return Reply.say(refusal)
    view = render(
        "redraw_modal",
        case_ref=uow.session.get(Case, selection.case_id).case_ref,
        private_metadata=json.dumps({"selection_id": selection.id}),
        min_reason=MIN_REDRAW_REASON,
    )
    return Reply(view=view)


@on_submit(Selection, key="selection_id", missing=ONLY_THE_MANAGER)
def submit_redraw_request(uow: UnitOfWork, selection: Selection, form: Submission) -> None:
    """Re-draw, with the selection locked: of two submits at once, the second finds the case
    already replaced."""
    redraw_case(
        uow.session,
        selection_id=selection.id,
        actor=uow.actor,
        reason=form.text("reason"),
        policy=uow.policy,
        calendar=uow.calendar,
        now=uow.now,
    )


def redraw_refusal(session: Session, selection: Selection) -> str | None:
    """Why this selection can't be re-drawn now, or None when it can."""
    if selection.status != SelectionStatus.SELECTED:
        return "This case has already been replaced: see your latest message."
    booking = latest_booking(session, selection.id)
    if booking is not None and booking.status in (BookingStatus.BOOKED, BookingStatus.HELD):
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
        for case_id in eligible_pools(session, criteria, month, current.team_id)[current.team_id]
        if case_id not in drawn_this_round
    ]
    if not pool:
        team = session.get(Team, current.team_id)
        raise InvalidRequest(
            f"There is no other eligible case in {team.name} this month, so {old_case.case_ref} "
            "stays your case. If it cannot be audited, please tell your audit administrator."
        )
    attempt = next_attempt(session, selection_round.id, actor.id)
    replacement = Selection(
        **pick(
            selection_round,
            actor,
            pool,
            f"{selection_round.seed}:{actor.email}:{attempt}",
            attempt=attempt,
            due_on=current.due_on,
            now=now,
        )
    )
    new_case = session.get(Case, replacement.case_id)
    current.status = SelectionStatus.REPLACED
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
