"""Booking the practitioner discussion: the form, the practitioner's reply, re-booking,
cancelling, "did it happen?", and the reminders computed from the database at `now`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.booking.rules import (
    Slot,
    due_reminder,
    follow_up_due,
    slot_errors,
    suggested_discussion_date,
)
from bot.core import auditlog
from bot.core.actor import parse_id, require_actor, require_managed_selection
from bot.core.calendar import WorkingCalendar
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update, withdraw_pending
from bot.core.services import Services
from bot.policy.schema import Policy
from bot.selection.manager_message import refresh_selection_message, selection_month
from bot.selection.redraw import Reply
from messages import render
from models import Booking, Case, Selection, Staff
from models.booking import BOOKING_OPEN
from models.db import lock_row, transaction

DURATIONS = (30, 45, 60, 90, 120)
MIN_REASON = 5
BOOKING_CHANGED = "This booking has changed since that message: please use your latest message."
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# -- the booking form -------------------------------------------------------------------------


def open_booking_form(
    services: Services, slack_user_id: str, *, selection_id: str = "", booking_id: str = ""
) -> Reply:
    """The form to book (from the selection) or re-book (from a booking) the discussion."""
    try:
        with services.make_session() as session:
            actor = require_actor(session, slack_user_id)
            replacing = _open_booking(session, booking_id) if booking_id else None
            selection = require_managed_selection(
                session,
                actor,
                replacing.selection_id if replacing else parse_id(selection_id),
                services.now(),
            )
            return Reply(view=_booking_form(session, services, selection, replacing))
    except AuditbotError as error:
        return Reply(text=str(error))


def _booking_form(
    session: Session, services: Services, selection: Selection, replacing: Booking | None
) -> dict:
    calendar, policy = services.calendar, services.policy
    now_local = calendar.local(services.now())
    case = session.get(Case, selection.case_id)
    if replacing:
        starts = calendar.local(replacing.starts_at)
        day, clock, duration = starts.date(), starts.time(), replacing.duration_minutes
    else:
        month = selection_month(session, selection)
        day = suggested_discussion_date(now_local.date(), month, policy, calendar)
        clock, duration = time(10, 0), policy.booking.duration_minutes
    return render(
        "booking_modal",
        private_metadata=json.dumps(
            {"selection_id": selection.id, "replacing": replacing.id if replacing else None}
        ),
        case=case,
        practitioner=session.get(Staff, case.worker_id),
        due_on=selection.due_on,
        initial_date=max(day, now_local.date()).isoformat(),
        initial_time=f"{clock:%H:%M}",
        durations=sorted({*DURATIONS, duration}),
        duration=duration,
        place=replacing.place if replacing else None,
        timezone=str(calendar.timezone),
        rebooking=replacing is not None,
    )


def submit_booking_form(
    services: Services,
    slack_user_id: str,
    view_id: str,
    private_metadata: str,
    values: dict[str, str | None],
) -> dict[str, str] | None:
    """Book (or re-book); returns inline errors by field, or None when done."""
    metadata = json.loads(private_metadata)
    now = services.now()
    slot, errors = _parse_slot(values)
    place = (values.get("place") or "").strip() or None
    try:
        with transaction(services.make_session) as session:
            # Two forms submitted at once (a double click opens two) book one after the other.
            lock_row(session, Selection, int(metadata["selection_id"]))
            actor = require_actor(session, slack_user_id)
            selection = require_managed_selection(
                session, actor, int(metadata["selection_id"]), now
            )
            if _already_booked_from(session, view_id):
                return None  # the same form submitted twice: the first one booked it
            if slot is not None:
                errors = slot_errors(
                    slot, now=now, due_on=selection.due_on, calendar=services.calendar
                )
            if errors:
                return errors
            replacing = _booking_to_replace(session, selection, metadata.get("replacing"))
            _book(session, services, selection, actor, slot, place, view_id, replacing, now)
    except AuditbotError as error:
        return {"date": str(error)}
    except IntegrityError:
        return None  # a concurrent double submit: the other one booked it
    services.deliver_soon()
    return None


def _parse_slot(values: dict[str, str | None]) -> tuple[Slot | None, dict[str, str]]:
    errors = {}
    try:
        day = date.fromisoformat(values.get("date") or "")
    except ValueError:
        errors["date"] = "Please pick a date."
    match = _TIME.match(values.get("time") or "")
    if not match:
        errors["time"] = "Please pick a time, e.g. 10:00."
    duration = values.get("duration") or ""
    if not duration.isdigit() or int(duration) not in range(15, 481):
        errors["duration"] = "Please choose how long the discussion will take."
    if errors:
        return None, errors
    return Slot(day, time(int(match.group(1)), int(match.group(2))), int(duration)), {}


def _already_booked_from(session: Session, view_id: str) -> bool:
    return (
        session.exec(select(Booking.id).where(Booking.source_view_id == view_id)).first()
        is not None
    )


def _booking_to_replace(
    session: Session, selection: Selection, replacing_id: int | None
) -> Booking | None:
    current = session.exec(
        select(Booking).where(Booking.selection_id == selection.id, Booking.status == BOOKING_OPEN)
    ).first()
    if replacing_id is None and current is not None:
        raise InvalidRequest(
            "A discussion is already booked for this case: use Re-book on your message to move it."
        )
    if replacing_id is not None and (current is None or current.id != replacing_id):
        raise InvalidRequest(BOOKING_CHANGED)
    return current


def _book(
    session: Session,
    services: Services,
    selection: Selection,
    manager: Staff,
    slot: Slot,
    place: str | None,
    view_id: str,
    replacing: Booking | None,
    now: datetime,
) -> None:
    if replacing is not None:
        _close(session, replacing, "moved", None, now)
        _answer_follow_up(session, services, replacing, "moved", now)
    booking = Booking(
        selection_id=selection.id,
        starts_at=slot.start_in(services.calendar),
        duration_minutes=slot.duration_minutes,
        place=place,
        booked_by=manager.id,
        created_at=now,
        source_view_id=view_id,
    )
    session.add(booking)
    session.flush()
    auditlog.record(
        session,
        actor=manager.email,
        action="booking.rebook" if replacing else "booking.book",
        subject=f"booking:{booking.id}",
        now=now,
        selection=selection.id,
        starts_at=booking.starts_at.isoformat(),
        replaces=replacing.id if replacing else None,
    )
    practitioner = _practitioner(session, selection)
    queue_dm(
        session,
        key=f"booking:{booking.id}:practitioner",
        recipient=practitioner,
        message=_practitioner_message(session, services, booking, "moved" if replacing else "new"),
        concern=f"booking:{booking.id}",
        now=now,
    )
    refresh_selection_message(session, services, selection, f"booking:{booking.id}:booked", now)


def _practitioner_message(
    session: Session, services: Services, booking: Booking, kind: str
) -> dict:
    selection = session.get(Selection, booking.selection_id)
    case = session.get(Case, selection.case_id)
    return render(
        "booking_practitioner_dm",
        kind=kind,
        booking=booking,
        starts=services.calendar.local(booking.starts_at),
        manager=session.get(Staff, selection.manager_id),
        case=case,
        checklist=services.policy.booking.preparation_checklist,
    )


# -- the practitioner's reply ------------------------------------------------------------------


def practitioner_can_make_it(services: Services, slack_user_id: str, booking_id: str) -> Reply:
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            booking = _open_booking(session, booking_id)
            _require_practitioner(session, actor, booking)
            _record_reply(session, services, booking, actor, "can", None, now)
    except AuditbotError as error:
        return Reply(text=_already_answered(services, booking_id, "can") or str(error))
    services.deliver_soon()
    return Reply(text="Thanks: your manager can see that you can make it.")


def open_cannot_make_it_form(services: Services, slack_user_id: str, booking_id: str) -> Reply:
    return _reason_form(
        services,
        slack_user_id,
        booking_id,
        _require_practitioner,
        callback_id="booking.cannot",
        title="Can't make it",
        submit="Tell my manager",
        prompt="Your manager will be asked to book another time.",
        label="Why can't you make it?",
        hint="For example: I'm in court that morning.",
    )


def _reason_form(
    services: Services,
    slack_user_id: str,
    booking_id: str,
    may_answer: Callable[[Session, Staff, Booking], object],
    **wording: str,
) -> Reply:
    """A form asking why, about an open booking, for someone `may_answer` lets through."""
    try:
        with services.make_session() as session:
            actor = require_actor(session, slack_user_id)
            booking = _open_booking(session, booking_id)
            may_answer(session, actor, booking)
    except AuditbotError as error:
        return Reply(text=str(error))
    metadata = json.dumps({"booking_id": booking.id})
    return Reply(
        view=render("reason_modal", private_metadata=metadata, min_length=MIN_REASON, **wording)
    )


def submit_cannot_make_it(
    services: Services, slack_user_id: str, private_metadata: str, reason: str
) -> dict[str, str] | None:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        return {"reason": "Please say briefly why, so your manager can find a better time."}
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            booking = _open_booking(session, str(json.loads(private_metadata)["booking_id"]))
            _require_practitioner(session, actor, booking)
            _record_reply(session, services, booking, actor, "cannot", reason, now)
    except AuditbotError as error:
        booking_id = str(json.loads(private_metadata)["booking_id"])
        if _already_answered(services, booking_id, "cannot"):
            return None  # the same answer submitted twice
        return {"reason": str(error)}
    services.deliver_soon()
    return None


def _already_answered(services: Services, booking_id: str, reply: str) -> str | None:
    with services.make_session() as session:
        booking = session.get(Booking, int(booking_id)) if booking_id.isdigit() else None
    if (
        booking is not None
        and booking.status == BOOKING_OPEN
        and booking.practitioner_reply == reply
    ):
        return "Thanks, you've already told your manager."
    return None


def _record_reply(
    session: Session,
    services: Services,
    booking: Booking,
    practitioner: Staff,
    reply: str,
    reason: str | None,
    now: datetime,
) -> None:
    _change_booking(
        session,
        booking,
        or_(col(Booking.practitioner_reply).is_(None), Booking.practitioner_reply != reply),
        practitioner_reply=reply,
        practitioner_reason=reason,
    )
    auditlog.record(
        session,
        actor=practitioner.email,
        action=f"booking.practitioner_{reply}",
        subject=f"booking:{booking.id}",
        now=now,
        reason=reason,
    )
    selection = session.get(Selection, booking.selection_id)
    queue_update(
        session,
        key=f"booking:{booking.id}:practitioner:{reply}",
        update_of=f"booking:{booking.id}:practitioner",
        message=_practitioner_message(session, services, booking, "answered"),
        concern=f"booking:{booking.id}",
        now=now,
    )
    if reply == "cannot":
        queue_dm(
            session,
            key=f"booking:{booking.id}:cannot",
            recipient=session.get(Staff, selection.manager_id),
            message=render(
                "booking_cannot_notice",
                practitioner=practitioner,
                starts=services.calendar.local(booking.starts_at),
                reason=reason,
                case=session.get(Case, selection.case_id),
                booking_id=booking.id,
            ),
            concern=f"booking:{booking.id}",
            now=now,
        )
    refresh_selection_message(session, services, selection, f"booking:{booking.id}:{reply}", now)


# -- the manager's changes ---------------------------------------------------------------------


def cancel_booking(services: Services, slack_user_id: str, booking_id: str) -> Reply:
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            booking = _open_booking(session, booking_id)
            selection = require_managed_selection(session, actor, booking.selection_id)
            _close(session, booking, "cancelled", None, now)
            auditlog.record(
                session,
                actor=actor.email,
                action="booking.cancel",
                subject=f"booking:{booking.id}",
                now=now,
            )
            queue_dm(
                session,
                key=f"booking:{booking.id}:cancelled",
                recipient=_practitioner(session, selection),
                message=_practitioner_message(session, services, booking, "cancelled"),
                concern=f"booking-cancelled:{booking.id}",
                now=now,
            )
            refresh_selection_message(
                session, services, selection, f"booking:{booking.id}:cancelled", now
            )
    except AuditbotError as error:
        return Reply(text=str(error))
    services.deliver_soon()
    return Reply(text="The booking is cancelled and the practitioner has been told.")


def record_held(services: Services, slack_user_id: str, booking_id: str) -> Reply:
    error = _record_outcome(services, slack_user_id, booking_id, "held", None)
    return Reply(text=error or "Thanks: the discussion is recorded as held.")


def open_not_held_form(services: Services, slack_user_id: str, booking_id: str) -> Reply:
    return _reason_form(
        services,
        slack_user_id,
        booking_id,
        lambda session, actor, booking: require_managed_selection(
            session, actor, booking.selection_id
        ),
        callback_id="booking.not_held",
        title="Didn't happen",
        submit="Save",
        prompt="You can book the discussion again from your case message.",
        label="Why didn't the discussion happen?",
        hint="For example: the practitioner was called out to a visit.",
    )


def submit_not_held(
    services: Services, slack_user_id: str, private_metadata: str, reason: str
) -> dict[str, str] | None:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        return {"reason": "Please say briefly why the discussion didn't happen."}
    booking_id = str(json.loads(private_metadata)["booking_id"])
    error = _record_outcome(services, slack_user_id, booking_id, "not_held", reason)
    return {"reason": error} if error else None


def _record_outcome(
    services: Services, slack_user_id: str, booking_id: str, outcome: str, reason: str | None
) -> str | None:
    """Record whether the discussion happened; returns a message when it cannot be."""
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            booking = _open_booking(session, booking_id)
            selection = require_managed_selection(session, actor, booking.selection_id)
            if booking.starts_at > now:
                raise InvalidRequest("The discussion hasn't started yet.")
            _close(session, booking, outcome, reason, now)
            auditlog.record(
                session,
                actor=actor.email,
                action=f"booking.{outcome}",
                subject=f"booking:{booking.id}",
                now=now,
                reason=reason,
            )
            _answer_follow_up(session, services, booking, outcome, now)
            refresh_selection_message(
                session, services, selection, f"booking:{booking.id}:{outcome}", now
            )
    except AuditbotError as error:
        return str(error)
    services.deliver_soon()
    return None


def _answer_follow_up(
    session: Session, services: Services, booking: Booking, outcome: str, now: datetime
) -> None:
    """Show the answer on the "did it happen?" message, if one was sent."""
    selection = session.get(Selection, booking.selection_id)
    queue_update(
        session,
        key=f"booking:{booking.id}:followup:{outcome}",
        update_of=f"booking:{booking.id}:followup",
        message=render(
            "booking_followup",
            booking=booking,
            answered=outcome,
            starts=services.calendar.local(booking.starts_at),
            practitioner=_practitioner(session, selection),
            case=session.get(Case, selection.case_id),
        ),
        concern=f"booking-followup:{booking.id}",
        now=now,
    )


def _change_booking(session: Session, booking: Booking, *conditions: Any, **values: Any) -> None:
    """Compare-and-set on an open booking, so two quick clicks (or two instances) make one
    change: the second finds the row already changed and is told so."""
    changed = session.execute(
        update(Booking)
        .where(col(Booking.id) == booking.id, Booking.status == BOOKING_OPEN, *conditions)
        .values(**values)
    ).rowcount
    if changed != 1:
        raise InvalidRequest(BOOKING_CHANGED)
    session.refresh(booking)


def _close(
    session: Session, booking: Booking, status: str, reason: str | None, now: datetime
) -> None:
    _change_booking(session, booking, status=status, closed_reason=reason, closed_at=now)
    if status in ("moved", "cancelled"):
        withdraw_pending(session, f"booking:{booking.id}")  # its reminders must never go


# -- scheduled: reminders and "did it happen?" ------------------------------------------------


def run_booking_schedule(
    session: Session, *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> int:
    """Queue the reminders and follow-up questions due at `now`; returns how many."""
    queued = 0
    open_bookings = session.exec(
        select(Booking)
        .where(Booking.status == BOOKING_OPEN)
        .where(Booking.starts_at >= now - timedelta(days=31))
        .order_by(Booking.id)
    ).all()
    for booking in open_bookings:
        queued += _queue_reminder(session, booking, policy, calendar, now)
        queued += _queue_follow_up(session, booking, calendar, now)
    return queued


def _queue_reminder(
    session: Session, booking: Booking, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> int:
    reminder = due_reminder(booking.starts_at, booking.created_at, now, policy, calendar)
    if reminder is None:
        return 0
    selection = session.get(Selection, booking.selection_id)
    case = session.get(Case, selection.case_id)
    manager = session.get(Staff, selection.manager_id)
    practitioner = session.get(Staff, case.worker_id)
    for person, other in ((practitioner, manager), (manager, practitioner)):
        queue_dm(
            session,
            key=f"booking:{booking.id}:reminder:{reminder.kind}:{person.id}",
            recipient=person,
            message=render(
                "booking_reminder",
                booking=booking,
                starts=calendar.local(booking.starts_at),
                with_person=other,
                case=case,
                checklist=policy.booking.preparation_checklist if person is practitioner else [],
                soon=reminder.kind == "hour",
            ),
            concern=f"booking:{booking.id}",
            now=now,
        )
    return 2


def _queue_follow_up(
    session: Session, booking: Booking, calendar: WorkingCalendar, now: datetime
) -> int:
    ends_at = booking.starts_at + timedelta(minutes=booking.duration_minutes)
    if not follow_up_due(ends_at, now, calendar):
        return 0
    selection = session.get(Selection, booking.selection_id)
    case = session.get(Case, selection.case_id)
    queue_dm(
        session,
        key=f"booking:{booking.id}:followup",
        recipient=session.get(Staff, selection.manager_id),
        message=render(
            "booking_followup",
            booking=booking,
            answered=None,
            starts=calendar.local(booking.starts_at),
            practitioner=session.get(Staff, case.worker_id),
            case=case,
        ),
        concern=f"booking-followup:{booking.id}",
        now=now,
    )
    return 1


# -- shared checks -----------------------------------------------------------------------------


def _open_booking(session: Session, booking_id: str) -> Booking:
    booking = session.get(Booking, parse_id(booking_id))
    if booking is None or booking.status != BOOKING_OPEN:
        raise InvalidRequest(BOOKING_CHANGED)
    return booking


def _practitioner(session: Session, selection: Selection) -> Staff:
    return session.get(Staff, session.get(Case, selection.case_id).worker_id)


def _require_practitioner(session: Session, actor: Staff, booking: Booking) -> None:
    selection = session.get(Selection, booking.selection_id)
    if _practitioner(session, selection).id != actor.id:
        raise NotAllowed("Only the practitioner for this case can answer that.")
