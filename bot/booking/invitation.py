"""The calendar invitation to a booked discussion, as an iCalendar (.ics) file that Outlook and
Google Calendar accept: data in, bytes out.

Every booking of one selection's discussion is the same calendar event (one UID), so a
re-booking updates the event people already have (a higher SEQUENCE, the new times) and a
cancellation removes it (METHOD:CANCEL). The summary names the case by its reference only:
never a child's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress

PRODUCT = "-//Auditbot//Audit discussion//EN"


@dataclass(frozen=True)
class Person:
    email: str
    name: str


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
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in case_ref)
    return f"audit-discussion-{safe}.ics"


def invitation_ics(invitation: Invitation, *, now: datetime) -> bytes:
    """The .ics file: METHOD:REQUEST for a booking or re-booking, METHOD:CANCEL for a
    cancellation; all times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invitation.cancelled else "REQUEST")
    event = Event()
    event.add("uid", event_uid(invitation.selection_id))
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", invitation.starts_at.astimezone(UTC))
    event.add("dtend", invitation.ends_at.astimezone(UTC))
    event.add("summary", f"Audit discussion: case {invitation.case_ref}")
    event.add(
        "description",
        f"Case file audit discussion about case {invitation.case_ref}, booked in Auditbot. "
        "Answer in Slack whether you can make it.",
    )
    if invitation.place:
        event.add("location", invitation.place)
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(invitation.manager))
    event.add("attendee", _address(invitation.practitioner, attendee=True))
    calendar.add_component(event)
    return calendar.to_ical()


def _address(person: Person, *, attendee: bool = False) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name
    if attendee:
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        # The practitioner answers in Slack; no calendar reply is expected.
        address.params["RSVP"] = "FALSE"
    return address
