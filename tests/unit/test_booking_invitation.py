"""The booked discussion's calendar invitation, built and parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from icalendar import Calendar

from bot.booking.invitation import (
    Invitation,
    Person,
    event_uid,
    invitation_filename,
    invitation_ics,
)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


def invitation(**changes) -> Invitation:
    values = {
        "selection_id": 7,
        "sequence": 0,
        "case_ref": "CR-N1",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=1),
        "place": "Room 2; floor 3",
        "manager": Person("tm@council.example", 'Nina "TM" North'),
        "practitioner": Person("sw@council.example", "Pat Worker"),
    }
    return Invitation(**{**values, **changes})


def parsed(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_a_booking_is_a_request_for_one_event_in_utc():
    calendar, event = parsed(invitation_ics(invitation(), now=NOW))
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == event_uid(7)
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == STARTS and event.decoded("DTEND") == STARTS + timedelta(
        hours=1
    )
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Audit discussion: case CR-N1"
    assert str(event["LOCATION"]) == "Room 2; floor 3"
    assert str(event["ORGANIZER"]) == "mailto:tm@council.example"
    assert event["ORGANIZER"].params["CN"] == 'Nina "TM" North'
    assert str(event["ATTENDEE"]) == "mailto:sw@council.example"


def test_times_are_written_in_utc_whatever_zone_they_come_in():
    london_summer = timezone(timedelta(hours=1))
    starts = datetime(2027, 6, 1, 11, 0, tzinfo=london_summer)
    ics = invitation_ics(
        invitation(starts_at=starts, ends_at=starts + timedelta(minutes=45)), now=NOW
    )
    assert b"DTSTART:20270601T100000Z" in ics and b"DTEND:20270601T104500Z" in ics


def test_a_rebooking_updates_the_same_event_and_a_cancellation_cancels_it():
    moved = datetime(2026, 12, 16, 14, 0, tzinfo=UTC)
    _, first = parsed(invitation_ics(invitation(), now=NOW))
    _, second = parsed(
        invitation_ics(
            invitation(sequence=1, starts_at=moved, ends_at=moved + timedelta(hours=1)), now=NOW
        )
    )
    calendar, cancel = parsed(
        invitation_ics(
            invitation(
                sequence=2, starts_at=moved, ends_at=moved + timedelta(hours=1), cancelled=True
            ),
            now=NOW,
        )
    )
    assert str(first["UID"]) == str(second["UID"]) == str(cancel["UID"])
    assert first["SEQUENCE"] < second["SEQUENCE"] < cancel["SEQUENCE"]
    assert second.decoded("DTSTART") == moved
    assert str(calendar["METHOD"]) == "CANCEL" and str(cancel["STATUS"]) == "CANCELLED"


def test_no_place_means_no_location_and_the_file_name_is_safe():
    _, event = parsed(invitation_ics(invitation(place=None), now=NOW))
    assert "LOCATION" not in event
    assert invitation_filename("CR/N 1") == "audit-discussion-CR-N-1.ics"
