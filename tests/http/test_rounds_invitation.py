"""Each audit day comes with a calendar invitation, through the signed HTTP endpoint: when a
round is drawn, the auditor and the practitioner of each case get an all-day .ics event for the
round's days; when the case is swapped out of the round, the same event is cancelled for both,
and the replacement case's people get their own."""

from __future__ import annotations

from datetime import date

import pytest

from models import Staff
from tests.http.test_booking_invitation import event, invitations_to
from tests.http.test_rounds import MONDAY, define, people, round_cases, tick, uid
from tests.http.test_rounds_absence import DRAW_DAY, _slack_id, answered, decline
from tests.support.harness import Clock

pytestmark = pytest.mark.integration


@pytest.fixture
def clock():
    return Clock(MONDAY)


def drawn_bot(start_bot, clock, **answers):
    bot = start_bot(clock, people=people)
    define(bot, **answers)
    tick(bot, clock, DRAW_DAY)
    return bot


def invitations_of(bot, staff_id: int, count: int):
    user = _slack_id(bot, staff_id)
    assert bot.slack.wait_for(lambda: len(invitations_to(bot, user)) >= count), user
    return invitations_to(bot, user)


def test_the_auditor_and_the_practitioner_get_an_all_day_event_for_the_audit_window(
    start_bot, clock
):
    bot = drawn_bot(start_bot, clock, audit_until="2027-01-12")
    drawn = round_cases(bot)
    assert len(drawn) == 3
    for round_case, case in drawn:
        for person in (round_case.auditor_id, case.worker_id):
            [calendar] = invitations_of(bot, person, 1)
            assert str(calendar["METHOD"]) == "REQUEST"
            found = event(calendar)
            assert found.decoded("DTSTART") == date(2027, 1, 11)  # a date: all day
            assert found.decoded("DTEND") == date(2027, 1, 13)  # the day after the last
            assert str(found["UID"]) == f"audit-day-{round_case.id}@auditbot"
            assert case.case_ref in str(found["SUMMARY"])
            with bot.services.make_session() as session:
                auditor = session.get(Staff, round_case.auditor_id)
                worker = session.get(Staff, case.worker_id)
            assert str(found["ORGANIZER"]) == f"mailto:{auditor.email}"
            assert str(found["ATTENDEE"]) == f"mailto:{worker.email}"


def test_a_swapped_case_cancels_the_same_event_and_the_replacement_has_its_own(start_bot, clock):
    running = drawn_bot(start_bot, clock, cases="1", auditors=["service_manager"])
    round_case, case, worker, question = decline(running)
    running.click(uid(running, "admin"), question, "round.absence.swap")
    answered(running, "Done: swap the case for another")
    (_, old), (new_round_case, new) = round_cases(running)

    for person in (round_case.auditor_id, case.worker_id):
        sent = invitations_of(running, person, 2 if person == case.worker_id else 3)
        mine = [c for c in sent if str(event(c)["UID"]) == f"audit-day-{round_case.id}@auditbot"]
        assert [str(c["METHOD"]) for c in mine] == ["REQUEST", "CANCEL"], person
        requested, cancelled = (event(c) for c in mine)
        assert int(cancelled["SEQUENCE"]) > int(requested["SEQUENCE"])
        assert str(cancelled["STATUS"]) == "CANCELLED"
        assert cancelled.decoded("DTSTART") == requested.decoded("DTSTART") == date(2027, 1, 11)

    [replacement] = invitations_of(running, new.worker_id, 1)
    assert str(replacement["METHOD"]) == "REQUEST"
    assert str(event(replacement)["UID"]) == f"audit-day-{new_round_case.id}@auditbot"
    assert new.case_ref in str(event(replacement)["SUMMARY"])
    auditor_events = invitations_of(running, round_case.auditor_id, 3)
    assert any(
        str(event(c)["UID"]) == f"audit-day-{new_round_case.id}@auditbot" for c in auditor_events
    )
