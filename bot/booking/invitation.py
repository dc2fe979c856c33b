"""The calendar invitation to a booked discussion (bot/core/ics.py makes the file).

Every booking of one selection's discussion is the same calendar event (one UID), so a
re-booking updates the event people already have (a higher SEQUENCE, the new times) and a
cancellation removes it (METHOD:CANCEL). The summary names the case by its reference only:
never a child's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.ics import CalendarEvent, Person, event_ics, ics_filename

__all__ = ["Invitation", "Person", "event_uid", "invitation_filename", "invitation_ics"]


@dataclass(frozen=True)
class Invitation:
    selection_id: int
    sequence: int  # rises with every change sent for the selection's discussion
    case_ref: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    manager: Person  # the organiser
    practitioner: Person
    cancelled: bool = False


def event_uid(selection_id: int) -> str:
    """One UID per selection's discussion, whatever its bookings."""
    return f"audit-discussion-{selection_id}@auditbot"


def invitation_filename(case_ref: str) -> str:
    return ics_filename("audit-discussion", case_ref)


def invitation_ics(invitation: Invitation, *, now: datetime) -> bytes:
    """METHOD:REQUEST for a booking or re-booking, METHOD:CANCEL for a cancellation."""
    return event_ics(
        CalendarEvent(
            uid=event_uid(invitation.selection_id),
            sequence=invitation.sequence,
            summary=f"Audit discussion: case {invitation.case_ref}",
            description=(
                f"Case file audit discussion about case {invitation.case_ref}, booked in "
                "Auditbot. Answer in Slack whether you can make it."
            ),
            organiser=invitation.manager,
            attendee=invitation.practitioner,
            starts_at=invitation.starts_at,
            ends_at=invitation.ends_at,
            place=invitation.place,
            cancelled=invitation.cancelled,
        ),
        now=now,
    )
