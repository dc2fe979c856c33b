"""The booked discussion's calendar invitation, through the signed HTTP endpoint: booking,
re-booking and cancelling each send both people an .ics file for the same event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from tests.http.test_booking import FRIDAY, book, current_selection_dm, slot, uid
from tests.support import factories
from tests.support.harness import Clock, click_for_view

pytestmark = pytest.mark.integration


@pytest.fixture
def running(start_bot):
    bot = start_bot(Clock(FRIDAY), people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    return bot


def invitations_to(bot, user_id: str) -> list[Calendar]:
    """Every .ics file uploaded to the person's DM, in the order sent, parsed."""
    names = {
        call.response["file_id"]: call.params["filename"]
        for call in bot.slack.calls("files.getUploadURLExternal")
        if call.response and call.response.get("ok")
    }
    return [
        Calendar.from_ical(bot.slack.uploaded_file(item["id"]))
        for call in bot.slack.calls("files.completeUploadExternal")
        if call.params.get("channel_id") == "D" + user_id[1:] and (call.response or {}).get("ok")
        for item in call.params["files"]
        if names[item["id"]].endswith(".ics")
    ]


def wait_for_invitations(bot, count: int) -> dict[str, list[Calendar]]:
    people = {key: uid(bot, key) for key in ("north_tm", "north_worker")}
    assert bot.slack.wait_for(
        lambda: all(len(invitations_to(bot, user)) >= count for user in people.values())
    ), {key: len(invitations_to(bot, user)) for key, user in people.items()}
    return {key: invitations_to(bot, user) for key, user in people.items()}


def event(calendar: Calendar):
    (found,) = calendar.walk("VEVENT")
    return found


def test_booking_rebooking_and_cancelling_update_one_calendar_event_for_both(running):
    book(running, place="Room 2")  # Tuesday 15 December 10:00 London (= UTC in winter)
    wait_for_invitations(running, 1)
    manager = uid(running, "north_tm")
    view = click_for_view(
        running, manager, current_selection_dm(running), "booking.rebook", "booking.submit"
    )
    assert not running.submit(manager, view, slot(day="2026-12-16", at="14:00")).body
    wait_for_invitations(running, 2)
    running.click(manager, current_selection_dm(running), "booking.cancel")
    received = wait_for_invitations(running, 3)

    for person, calendars in received.items():
        assert len(calendars) == 3, person
        methods = [str(c["METHOD"]) for c in calendars]
        assert methods == ["REQUEST", "REQUEST", "CANCEL"], person
        events = [event(c) for c in calendars]
        assert len({str(e["UID"]) for e in events}) == 1, person
        sequences = [int(e["SEQUENCE"]) for e in events]
        assert sequences == sorted(set(sequences)), person  # rising
        booked, moved, cancelled = events
        assert booked.decoded("DTSTART") == datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
        assert moved.decoded("DTSTART") == datetime(2026, 12, 16, 14, 0, tzinfo=UTC)
        assert moved.decoded("DTEND") == datetime(2026, 12, 16, 15, 0, tzinfo=UTC)
        assert str(cancelled["STATUS"]) == "CANCELLED"
        assert str(booked["LOCATION"]) == "Room 2"
        assert str(booked["ORGANIZER"]) == f"mailto:{running.people['north_tm'].email}"
        assert str(booked["ATTENDEE"]) == f"mailto:{running.people['north_worker'].email}"
        assert "CR-" in str(booked["SUMMARY"])
    assert received["north_tm"][2].to_ical() == received["north_worker"][2].to_ical()


def test_a_booking_after_a_cancellation_outranks_the_cancellation(running):
    book(running)
    wait_for_invitations(running, 1)
    running.click(uid(running, "north_tm"), current_selection_dm(running), "booking.cancel")
    wait_for_invitations(running, 2)
    book(running, day="2026-12-17")
    calendars = wait_for_invitations(running, 3)["north_worker"]
    assert [str(c["METHOD"]) for c in calendars] == ["REQUEST", "CANCEL", "REQUEST"]
    assert [int(event(c)["SEQUENCE"]) for c in calendars] == [0, 1, 2]
