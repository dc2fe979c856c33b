"""The team manager's selection DM: one message whose content follows the case's state.

The first version is posted when the case is drawn; every later change (booked, moved,
held, family contact recorded…) re-renders it and queues a chat.update of the same message,
so the conversation reads as one thread of state rather than a pile of messages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import Session, col, func, select

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.core.outbox import queue_dm, queue_update
from bot.core.services import Services
from bot.policy.schema import Policy
from bot.selection.programme_calendar import suggested_discussion_date
from messages import render
from models import Audit, AuditAction, Case, Selection, SelectionRound, Staff, Team
from models.audit import audit_for
from models.booking import engagement_for, latest_booking
from models.statuses import ActionStatus, BookingStatus

CASE_TYPE_NAMES = {
    "CP": "Child Protection",
    "LAC": "Looked After Child",
    "CIN": "Child in Need",
    "TAC": "Team Around the Child",
    "EH": "Early Help",
}


def selection_dm_key(month: Month | str, selection: Selection) -> str:
    """The idempotency key of a selection's DM; later updates of that message refer to it."""
    return f"selection:{month}:{selection.manager_id}:{selection.attempt}"


def selection_month(session: Session, selection: Selection) -> Month:
    return Month.parse(session.get(SelectionRound, selection.round_id).month)


def render_selection_message(
    session: Session,
    selection: Selection,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    replaces: tuple[Case, str] | None = None,
    new: bool = False,
    open_actions: list[OpenAction] | None = None,
) -> dict:
    """`new`: the selection was drawn in this transaction, so it has no booking, contact or
    audit yet (not looked up: a month's draw writes every manager's DM at once); nor are the
    manager's `open_actions` when given (looked up for every manager at once)."""
    month = selection_month(session, selection)
    case = session.get(Case, selection.case_id)
    booking = None if new else latest_booking(session, selection.id)
    return render(
        "selection_dm",
        month=month.label,
        case=case,
        case_type=CASE_TYPE_NAMES.get(case.case_type, case.case_type),
        practitioner=session.get(Staff, case.worker_id),
        team=session.get(Team, case.team_id),
        due_on=selection.due_on,
        suggested_on=suggested_discussion_date(calendar.local(now).date(), month, policy, calendar),
        duration_minutes=policy.booking.duration_minutes,
        pool_size=selection.pool_size,
        selection_id=selection.id,
        replaces=replaces,
        booking=booking,
        booking_open=booking is not None and booking.status == BookingStatus.BOOKED,
        booking_starts=calendar.local(booking.starts_at) if booking else None,
        engagement=None if new else engagement_for(session, selection.id),
        audit=None if new else audit_for(session, selection.id),
        extensions_enabled=policy.audit.extensions_enabled,
        look_back_months=policy.framework.look_back_months,
        open_actions=(
            open_actions
            if open_actions is not None
            else open_actions_of_earlier_audits(session, [selection])[selection.id]
        ),
    )


class ActionOwner(NamedTuple):
    name: str
    slack_user_id: str | None


class OpenAction(NamedTuple):
    """An action still open from one of the manager's earlier audits, as their DM lists it."""

    what: str
    due_on: date
    owner: ActionOwner
    case_ref: str


def open_actions_of_earlier_audits(
    session: Session, selections: list[Selection], limit: int = 10
) -> dict[int, list[OpenAction]]:
    """Per selection, its manager's actions still open from their other audits, to review this
    month: the most pressing `limit`, in one query for however many selections, and only the
    columns the DM shows, however many years of actions a manager has."""
    managers = {selection.manager_id for selection in selections}
    ranked = (
        select(
            AuditAction.what,
            AuditAction.due_on,
            Staff.name,
            Staff.slack_user_id,
            Case.case_ref,
            Audit.manager_id,
            func.row_number()
            .over(partition_by=Audit.manager_id, order_by=(AuditAction.due_on, AuditAction.id))
            .label("rank"),
        )
        .join(Audit, col(Audit.id) == AuditAction.audit_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
        .join(Staff, col(Staff.id) == AuditAction.owner_id)
        # A plain join, planned by the statistics (models/db.py): from the manager's audits for
        # one manager, from the open actions for a month's draw (4 times faster at scale 4
        # than through the managers' audits).
        .where(
            col(Audit.manager_id).in_(managers),
            col(Audit.selection_id).not_in([selection.id for selection in selections]),
            AuditAction.status == ActionStatus.OPEN,
        )
        .subquery()
    )
    by_manager: defaultdict[int, list[OpenAction]] = defaultdict(list)
    for what, due_on, name, slack_user_id, case_ref, manager_id, _rank in session.exec(
        select(*ranked.c).where(ranked.c.rank <= limit).order_by(ranked.c.manager_id, ranked.c.rank)
    ).all():
        by_manager[manager_id].append(
            OpenAction(what, due_on, ActionOwner(name, slack_user_id), case_ref)
        )
    return {selection.id: by_manager[selection.manager_id] for selection in selections}


def queue_selection_message(
    session: Session,
    selection: Selection,
    manager: Staff,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    replaces: tuple[Case, str] | None = None,
    open_actions: list[OpenAction] | None = None,
) -> None:
    """Post the selection DM for the first time."""
    month = selection_month(session, selection)
    queue_dm(
        session,
        key=selection_dm_key(month, selection),
        recipient=manager,
        message=render_selection_message(
            session,
            selection,
            policy=policy,
            calendar=calendar,
            now=now,
            replaces=replaces,
            new=True,
            open_actions=open_actions,
        ),
        concern=f"selection:{selection.id}",
        now=now,
    )


def refresh_selection_message(
    session: Session, services: Services, selection: Selection, change: str, now: datetime
) -> None:
    """Queue an update of the selection DM after `change` (a key unique to that change)."""
    session.flush()
    queue_update(
        session,
        key=f"selection-state:{selection.id}:{change}",
        update_of=selection_dm_key(selection_month(session, selection), selection),
        message=render_selection_message(
            session, selection, policy=services.policy, calendar=services.calendar, now=now
        ),
        concern=f"selection:{selection.id}",
        now=now,
    )
