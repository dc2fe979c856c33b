"""Booking the practitioner discussion: the form, the practitioner's reply, re-booking,
cancelling, "did it happen?", and the reminders computed from the database at `now`."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from bot.booking.invitation import Invitation, Person, invitation_filename, invitation_ics
from bot.booking.rules import (
    Reminder,
    Slot,
    due_reminder,
    follow_up_due,
    slot_errors,
)
from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import AuditbotError, InvalidRequest
from bot.core.outbox import queue_dm, queue_files_dm, queue_update, withdraw_pending
from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.policy.schema import Policy
from bot.selection.access import ONLY_THE_MANAGER, require_managed_selection
from bot.selection.loading import load_selections
from bot.selection.manager_message import refresh_selection_message, selection_month
from bot.selection.programme_calendar import suggested_discussion_date
from messages import escape_mrkdwn, render
from models import Booking, Case, Selection, Staff
from models.statuses import BookingStatus

DURATIONS = (30, 45, 60, 90, 120)
MIN_REASON = 5
BOOKING_CHANGED = "This booking has changed since that message: please use your latest message."
ONLY_THE_PRACTITIONER = "Only the practitioner for this case can answer that."
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# -- the booking form -------------------------------------------------------------------------


@on_click(Selection, missing=ONLY_THE_MANAGER)
def open_booking_form(uow: UnitOfWork, selection: Selection) -> Reply:
    """The form to book the discussion, from the selection DM."""
    require_managed_selection(uow.session, uow.actor, selection, uow.now)
    return Reply(view=_booking_form(uow, selection, None))


@on_click(Booking, missing=BOOKING_CHANGED)
def open_rebooking_form(uow: UnitOfWork, booking: Booking) -> Reply:
    """The form to move a booked discussion."""
    _require_open(booking)
    selection = uow.session.get(Selection, booking.selection_id)
    require_managed_selection(uow.session, uow.actor, selection, uow.now)
    return Reply(view=_booking_form(uow, selection, booking))


def _booking_form(uow: UnitOfWork, selection: Selection, replacing: Booking | None) -> dict:
    session, calendar, policy = uow.session, uow.calendar, uow.policy
    now_local = calendar.local(uow.now)
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


@on_submit(Selection, key="selection_id", field="date", missing=ONLY_THE_MANAGER)
def submit_booking_form(uow: UnitOfWork, selection: Selection, form: Submission) -> Reply | None:
    """Book (or re-book). The selection is locked: two forms submitted at once (a double click
    opens two) book one after the other."""
    session, now = uow.session, uow.now
    slot, errors = _parse_slot(form.values)
    place = (form.values.get("place") or "").strip() or None
    require_managed_selection(session, uow.actor, selection, now)
    if _already_booked_from(session, form.view_id):
        return None  # the same form submitted twice: the first one booked it
    if slot is not None:
        errors = slot_errors(slot, now=now, due_on=selection.due_on, calendar=uow.calendar)
    if errors:
        return Reply(errors=errors)
    replacing = _booking_to_replace(session, selection, form.metadata.get("replacing"))
    _book(session, uow.services, selection, uow.actor, slot, place, form.view_id, replacing, now)
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
        select(Booking).where(
            Booking.selection_id == selection.id, Booking.status == BookingStatus.BOOKED
        )
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
        _close(session, replacing, BookingStatus.MOVED, None, now)
        _answer_follow_up(session, services, replacing, BookingStatus.MOVED, now)
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
    _queue_invitation(session, booking, now)
    refresh_selection_message(session, services, selection, f"booking:{booking.id}:booked", now)


def _practitioner_message(
    session: Session, services: Services, booking: Booking, kind: str, on_behalf: str = ""
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
        on_behalf=on_behalf,
    )


def _queue_invitation(session: Session, booking: Booking, now: datetime) -> None:
    """The calendar invitation (or, for a cancelled booking, its cancellation) to the manager's
    and the practitioner's DMs. An invitation not yet sent when its booking is moved or
    cancelled is withdrawn with the booking's other messages (concern `booking:ID`): the newer
    file supersedes it, and an older one can never arrive after it."""
    selection = session.get(Selection, booking.selection_id)
    case = session.get(Case, selection.case_id)
    manager = session.get(Staff, selection.manager_id)
    practitioner = session.get(Staff, case.worker_id)
    cancelled = booking.status == BookingStatus.CANCELLED
    invitation = Invitation(
        selection_id=selection.id,
        sequence=_sequence(session, booking) + (1 if cancelled else 0),
        case_ref=case.case_ref,
        starts_at=booking.starts_at,
        ends_at=booking.starts_at + timedelta(minutes=booking.duration_minutes),
        place=booking.place,
        manager=Person(manager.email, manager.name),
        practitioner=Person(practitioner.email, practitioner.name),
        cancelled=cancelled,
    )
    case_ref = escape_mrkdwn(case.case_ref)
    comment = (
        f"The audit discussion about {case_ref} is cancelled: open this to take it out of your "
        "calendar."
        if cancelled
        else f"The audit discussion about {case_ref}: open this to put it in your calendar "
        "(Outlook or Google Calendar). A re-booking or cancellation updates the same event."
    )
    kind = "invitation-cancelled" if cancelled else "invitation"
    for person in (manager, practitioner):
        queue_files_dm(
            session,
            key=f"booking:{booking.id}:{kind}:{person.id}",
            recipient=person,
            files={invitation_filename(case.case_ref): invitation_ics(invitation, now=now)},
            comment=comment,
            concern=f"booking-cancelled:{booking.id}" if cancelled else f"booking:{booking.id}",
            now=now,
        )


def _sequence(session: Session, booking: Booking) -> int:
    """The event's SEQUENCE for this booking: one more for every earlier booking of the
    selection and for every cancellation sent of one, so each file sent outranks the last."""
    earlier = session.exec(
        select(Booking.status).where(
            Booking.selection_id == booking.selection_id, col(Booking.id) < booking.id
        )
    ).all()
    return len(earlier) + sum(status == BookingStatus.CANCELLED for status in earlier)


# -- the practitioner's reply ------------------------------------------------------------------


@on_click(Booking, missing=BOOKING_CHANGED)
def practitioner_can_make_it(uow: UnitOfWork, booking: Booking) -> Reply:
    try:
        acting = _record_reply(uow, booking, "can", None)
    except AuditbotError as error:
        return Reply.say(_already_answered(booking, "can") or str(error))
    if acting.on_behalf:
        return Reply.say(f"{acting.note} The manager can see that they can make it.")
    return Reply.say("Thanks: your manager can see that you can make it.")


@on_click(Booking, missing=BOOKING_CHANGED)
def open_cannot_make_it_form(uow: UnitOfWork, booking: Booking) -> Reply:
    _require_open(booking)
    _require_practitioner(uow.session, uow.actor, booking, uow.now)
    return _reason_form(
        booking,
        callback_id="booking.cannot",
        title="Can't make it",
        submit="Tell my manager",
        prompt="Your manager will be asked to book another time.",
        label="Why can't you make it?",
        hint="For example: I'm in court that morning.",
    )


def _reason_form(booking: Booking, **wording: str) -> Reply:
    """A form asking why, about an open booking."""
    metadata = json.dumps({"booking_id": booking.id})
    return Reply(
        view=render("reason_modal", private_metadata=metadata, min_length=MIN_REASON, **wording)
    )


@on_submit(Booking, key="booking_id", missing=BOOKING_CHANGED)
def submit_cannot_make_it(uow: UnitOfWork, booking: Booking, form: Submission) -> Reply | None:
    reason = form.text("reason").strip()
    if len(reason) < MIN_REASON:
        return Reply.error(
            "reason", "Please say briefly why, so your manager can find a better time."
        )
    try:
        _record_reply(uow, booking, "cannot", reason)
    except AuditbotError as error:
        if _already_answered(booking, "cannot"):
            return None  # the same answer submitted twice
        return Reply.error("reason", str(error))
    return None


def _already_answered(booking: Booking, reply: str) -> str | None:
    if booking.status == BookingStatus.BOOKED and booking.practitioner_reply == reply:
        return "Thanks, you've already told your manager."
    return None


def _record_reply(uow: UnitOfWork, booking: Booking, reply: str, reason: str | None) -> Acting:
    """The practitioner's answer to a booking (or their cover's, for them): they can make it,
    or can't (and why)."""
    _require_open(booking)
    acting = _require_practitioner(uow.session, uow.actor, booking, uow.now)
    session, services, now = uow.session, uow.services, uow.now
    _change_booking(
        session,
        booking,
        or_(col(Booking.practitioner_reply).is_(None), Booking.practitioner_reply != reply),
        practitioner_reply=reply,
        practitioner_reason=reason,
    )
    auditlog.record(
        session,
        actor=acting.actor.email,
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
        message=_practitioner_message(
            session, services, booking, "answered", on_behalf=acting.note
        ),
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
                practitioner=acting.owner,
                on_behalf=acting.note,
                starts=services.calendar.local(booking.starts_at),
                reason=reason,
                case=session.get(Case, selection.case_id),
                booking_id=booking.id,
            ),
            concern=f"booking:{booking.id}",
            now=now,
        )
    refresh_selection_message(session, services, selection, f"booking:{booking.id}:{reply}", now)
    return acting


# -- the manager's changes ---------------------------------------------------------------------


@on_click(Booking, missing=BOOKING_CHANGED)
def cancel_booking(uow: UnitOfWork, booking: Booking) -> Reply:
    session, now = uow.session, uow.now
    _require_open(booking)
    selection = require_managed_selection(
        session, uow.actor, session.get(Selection, booking.selection_id), now
    )
    _close(session, booking, BookingStatus.CANCELLED, None, now)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="booking.cancel",
        subject=f"booking:{booking.id}",
        now=now,
    )
    queue_dm(
        session,
        key=f"booking:{booking.id}:cancelled",
        recipient=_practitioner(session, selection),
        message=_practitioner_message(session, uow.services, booking, "cancelled"),
        concern=f"booking-cancelled:{booking.id}",
        now=now,
    )
    _queue_invitation(session, booking, now)
    refresh_selection_message(
        session, uow.services, selection, f"booking:{booking.id}:cancelled", now
    )
    return Reply.say("The booking is cancelled and the practitioner has been told.")


@on_click(Booking, missing=BOOKING_CHANGED)
def record_held(uow: UnitOfWork, booking: Booking) -> Reply:
    _record_outcome(uow, booking, BookingStatus.HELD, None)
    return Reply.say("Thanks: the discussion is recorded as held.")


@on_click(Booking, missing=BOOKING_CHANGED)
def open_not_held_form(uow: UnitOfWork, booking: Booking) -> Reply:
    _require_open(booking)
    require_managed_selection(
        uow.session, uow.actor, uow.session.get(Selection, booking.selection_id), uow.now
    )
    return _reason_form(
        booking,
        callback_id="booking.not_held",
        title="Didn't happen",
        submit="Save",
        prompt="You can book the discussion again from your case message.",
        label="Why didn't the discussion happen?",
        hint="For example: the practitioner was called out to a visit.",
    )


@on_submit(Booking, key="booking_id", missing=BOOKING_CHANGED)
def submit_not_held(uow: UnitOfWork, booking: Booking, form: Submission) -> Reply | None:
    reason = form.text("reason").strip()
    if len(reason) < MIN_REASON:
        return Reply.error("reason", "Please say briefly why the discussion didn't happen.")
    _record_outcome(uow, booking, BookingStatus.NOT_HELD, reason)
    return None


def _record_outcome(uow: UnitOfWork, booking: Booking, outcome: str, reason: str | None) -> None:
    """Record whether the discussion happened."""
    session, now = uow.session, uow.now
    _require_open(booking)
    selection = require_managed_selection(
        session, uow.actor, session.get(Selection, booking.selection_id), now
    )
    if booking.starts_at > now:
        raise InvalidRequest("The discussion hasn't started yet.")
    _close(session, booking, outcome, reason, now)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action=f"booking.{outcome}",
        subject=f"booking:{booking.id}",
        now=now,
        reason=reason,
    )
    _answer_follow_up(session, uow.services, booking, outcome, now)
    refresh_selection_message(
        session, uow.services, selection, f"booking:{booking.id}:{outcome}", now
    )


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
        .where(col(Booking.id) == booking.id, Booking.status == BookingStatus.BOOKED, *conditions)
        .values(**values)
    ).rowcount
    if changed != 1:
        raise InvalidRequest(BOOKING_CHANGED)
    session.refresh(booking)


def _close(
    session: Session, booking: Booking, status: str, reason: str | None, now: datetime
) -> None:
    _change_booking(session, booking, status=status, closed_reason=reason, closed_at=now)
    if status in (BookingStatus.MOVED, BookingStatus.CANCELLED):
        withdraw_pending(session, f"booking:{booking.id}")  # its reminders must never go


# -- scheduled: reminders and "did it happen?" ------------------------------------------------


def run_booking_schedule(session: Session, tick: Tick) -> int:
    """Queue the reminders and follow-up questions due at `tick.now`; returns how many."""
    now = tick.now
    queued = 0
    open_bookings = session.exec(
        select(Booking)
        .where(Booking.status == BookingStatus.BOOKED)
        .where(Booking.starts_at >= now - timedelta(days=31))
        .order_by(Booking.id)
    ).all()
    loaded = load_selections(session, (booking.selection_id for booking in open_bookings))
    for booking in open_bookings:
        queued += _queue_reminder(session, booking, tick.policy, tick.calendar, now)
        queued += _queue_follow_up(session, booking, tick.calendar, now)
    del loaded
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
                soon=_how_soon(booking, reminder, policy),
            ),
            concern=f"booking:{booking.id}",
            now=now,
        )
    return 2


def _how_soon(booking: Booking, reminder: Reminder, policy: Policy) -> str | None:
    """ "hour" for the usual reminder before it; "today" for one moved to the start of the
    working day (a discussion early in the day), which cannot say "in an hour"."""
    if reminder.kind != "hour":
        return None
    usual = timedelta(minutes=policy.booking.reminder_minutes_before)
    return "hour" if booking.starts_at - reminder.at == usual else "today"


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


def _require_open(booking: Booking) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise InvalidRequest(BOOKING_CHANGED)


def _practitioner(session: Session, selection: Selection) -> Staff:
    return session.get(Staff, session.get(Case, selection.case_id).worker_id)


def _require_practitioner(
    session: Session, actor: Staff, booking: Booking, now: datetime
) -> Acting:
    """The practitioner for the booking's case, or their cover while they are away."""
    practitioner = _practitioner(session, session.get(Selection, booking.selection_id))
    return require_acting_for(
        session, actor, practitioner.id, now=now, refusal=ONLY_THE_PRACTITIONER
    )
