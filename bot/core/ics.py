"""Calendar invitations as iCalendar (.ics) files that Outlook and Google Calendar accept: data
in, bytes out. The booked discussion (bot/booking/invitation.py) and each audit day
(bot/rounds/invitation.py) are events of this one shape.

An event keeps one UID for its whole life, so a change updates the event people already have (a
higher SEQUENCE) and a cancellation removes it (METHOD:CANCEL). Timed events are written in UTC;
an all-day event is written as dates, so it stays on its day in every time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import vCalAddress

PRODUCT = "-//Auditbot//Case file audit//EN"


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int  # rises with every change sent for the event
    summary: str
    description: str
    organiser: Person
    attendee: Person
    # A timed event: start and end datetimes. An all-day event: `first_day` to `last_day`.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    first_day: date | None = None
    last_day: date | None = None
    place: str | None = None
    cancelled: bool = False


def event_ics(event: CalendarEvent, *, now: datetime) -> bytes:
    """The .ics file: METHOD:REQUEST for a new or changed event, METHOD:CANCEL to remove it."""
    # Imported when an invitation is written: icalendar is 2.7 MB that a tick sending none
    # need not hold.
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if event.cancelled else "REQUEST")
    component = Event()
    component.add("uid", event.uid)
    component.add("sequence", event.sequence)
    component.add("dtstamp", now.astimezone(UTC))
    start, end = _when(event)
    component.add("dtstart", start)
    component.add("dtend", end)
    component.add("summary", event.summary)
    component.add("description", event.description)
    if event.place:
        component.add("location", event.place)
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    # A timed meeting blocks the diary; an audit day is shown without hiding other bookings.
    component.add("transp", "OPAQUE" if event.first_day is None else "TRANSPARENT")
    component.add("organizer", _address(event.organiser))
    component.add("attendee", _address(event.attendee, attendee=True))
    calendar.add_component(component)
    return calendar.to_ical()


def _when(event: CalendarEvent) -> tuple[datetime | date, datetime | date]:
    if event.first_day is not None:
        # DTEND of an all-day event is the day after the last one (RFC 5545, 3.6.1).
        return event.first_day, (event.last_day or event.first_day) + timedelta(days=1)
    if event.starts_at is None or event.ends_at is None:
        raise ValueError("an event needs start and end times, or its days")
    return event.starts_at.astimezone(UTC), event.ends_at.astimezone(UTC)


def ics_filename(stem: str, case_ref: str) -> str:
    """A file name safe in every calendar client: the case reference with only letters, digits,
    '-' and '_'."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in case_ref)
    return f"{stem}-{safe}.ics"


def _address(person: Person, *, attendee: bool = False) -> vCalAddress:
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name
    if attendee:
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        # Answers are given in Slack; no calendar reply is expected.
        address.params["RSVP"] = "FALSE"
    return address
