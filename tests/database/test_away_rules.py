"""The rules of away and cover at fixed `now`s: parsing, who gets a DM, who may act for whom,
the ladder passing absent people by, and when the catch-up goes (once)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core.cover import absent_ids, covers_for, route_dm
from bot.core.line import ladder_person
from bot.people.away import answer_away, catch_up_due_at, run_return_catch_ups
from bot.people.away_command import AwayRequest, AwayUsageError, parse_away
from models import Absence, OutboxMessage
from tests.support import factories
from tests.support.acting import tick_at

LONDON = ZoneInfo("Europe/London")
SET_ON = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DURING = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)


def test_parse_away_forms():
    assert parse_away([]) == AwayRequest()
    assert parse_away(["clear"]) == AwayRequest(clear=True)
    assert parse_away(["<@U1|a>", "CLEAR"]) == AwayRequest("U1", clear=True)
    assert parse_away(["2026-12-21", "2027-01-02", "<@U2>"]) == AwayRequest(
        starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 2), cover_user_id="U2"
    )
    assert parse_away(["<@U1>", "2026-12-21", "2026-12-21"]).person_user_id == "U1"


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["2026-02-30", "2026-03-02"], "`2026-02-30` is not a date"),
        (["20261221", "2026-12-22"], "`20261221` is not a date"),
        (["2026-12-22", "2026-12-21"], "is before the first"),
        (["2026-12-21"], "Give the first and the last day"),
        (["clear", "now"], "`clear` takes nothing after it"),
        (["2026-12-21", "2026-12-22", "<@U2>", "extra"], "Too many words"),
    ],
)
def test_parse_away_refuses_bad_words(words, message):
    with pytest.raises(AwayUsageError, match=message):
        parse_away(words)


def away(session, person, starts_on, ends_on, cover=None, now=SET_ON):
    factories.mark_away(session, person, starts_on, ends_on, cover=cover, now=now, timezone=LONDON)


def test_dms_go_to_the_default_cover_only_while_the_absence_lasts(people):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 18))
    before, last_evening = (
        datetime(2026, 12, 13, 23, 59, tzinfo=UTC),
        datetime(2026, 12, 18, 23, 59, tzinfo=UTC),
    )
    assert route_dm(session, p["north_tm"], before).recipient == p["north_tm"]
    during = route_dm(session, p["north_tm"], DURING)
    assert during.recipient == p["service_manager"] and during.covering
    assert route_dm(session, p["north_tm"], last_evening).covering  # the last day is away too
    back = datetime(2026, 12, 19, 0, 0, tzinfo=UTC)  # London is on GMT in December
    assert route_dm(session, p["north_tm"], back).recipient == p["north_tm"]
    assert absent_ids(session, DURING) == {p["north_tm"].id}
    assert covers_for(session, p["service_manager"], p["north_tm"].id, DURING)
    assert not covers_for(session, p["south_tm"], p["north_tm"].id, DURING)


def test_a_named_cover_who_is_away_passes_it_to_their_own_cover(people):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 18), cover=p["south_tm"])
    assert route_dm(session, p["north_tm"], DURING).recipient == p["south_tm"]
    away(session, p["south_tm"], date(2026, 12, 15), date(2026, 12, 15), cover=p["admin"])
    assert route_dm(session, p["north_tm"], DURING).recipient == p["admin"]


def test_with_nobody_to_cover_a_dm_is_withheld_and_so_is_one_to_a_leaver(people):
    session, p = people
    away(session, p["admin"], date(2026, 12, 14), date(2026, 12, 18))  # no manager
    assert route_dm(session, p["admin"], DURING).recipient is None
    p["south_worker"].status = "left"
    assert route_dm(session, p["south_worker"], DURING).recipient is None


def test_setting_again_changes_the_one_absence_and_clearing_ends_it(people):
    session, p = people
    nina = p["north_tm"]
    away(session, nina, date(2026, 12, 14), date(2026, 12, 18))
    away(session, nina, date(2026, 12, 14), date(2026, 12, 23))
    rows = session.exec(select(Absence)).all()
    assert [(r.starts_on, r.ends_on) for r in rows] == [(date(2026, 12, 14), date(2026, 12, 23))]
    assert route_dm(session, nina, DURING).covering  # who is away is now read for DURING
    answer_away(session, nina, AwayRequest(clear=True), DURING, LONDON)
    assert rows[0].ends_before == DURING and rows[0].cleared_at is None
    assert route_dm(session, nina, DURING).recipient == nina


def test_who_is_away_is_read_afresh_in_each_transaction(people, make_session):
    """It is read once per transaction (every DM asks): another transaction's absence is seen
    from this session's next transaction on."""
    session, p = people
    assert route_dm(session, p["north_tm"], DURING).recipient == p["north_tm"]
    with make_session() as other:
        away(
            other,
            other.get(type(p["north_tm"]), p["north_tm"].id),
            date(2026, 12, 14),
            date(2026, 12, 18),
        )
        other.commit()
    session.commit()
    assert route_dm(session, p["north_tm"], DURING).recipient == p["service_manager"]


def test_escalation_skips_an_absent_service_manager_to_the_head_of_service(people):
    session, p = people
    owner = p["north_worker"]
    assert ladder_person(session, owner, "service_manager") == p["service_manager"]
    skipped = ladder_person(session, owner, "service_manager", {p["service_manager"].id})
    assert skipped == p["head"]
    assert ladder_person(session, owner, "team_manager", {p["north_tm"].id}) == p["service_manager"]
    assert ladder_person(session, owner, "head_of_service", {p["head"].id}) is None


def test_the_catch_up_goes_at_the_nudge_time_of_the_first_working_day_back(
    people, policy, working_calendar
):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 24))
    absence = session.exec(select(Absence)).one()
    # 25 December and the Boxing Day holiday (Monday 28th) are not working days.
    assert catch_up_due_at(absence, policy, working_calendar) == datetime(
        2026, 12, 29, 10, 0, tzinfo=working_calendar.timezone
    )


def test_the_catch_up_is_queued_once(people, policy, working_calendar):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 18))
    monday_early = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
    monday = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    assert run_return_catch_ups(session, tick_at(monday_early, policy, working_calendar)) == 0
    assert run_return_catch_ups(session, tick_at(monday, policy, working_calendar)) == 1
    assert run_return_catch_ups(session, tick_at(monday, policy, working_calendar)) == 0
    keys = session.exec(select(OutboxMessage.idempotency_key)).all()
    assert len([key for key in keys if key.startswith("away:back:")]) == 1


def test_no_catch_up_while_away_again(people, policy, working_calendar):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 18))
    away(session, p["north_tm"], date(2026, 12, 21), date(2026, 12, 22), now=DURING)
    # The second absence changed the first (one absence at a time): no return on the 21st.
    monday = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    assert run_return_catch_ups(session, tick_at(monday, policy, working_calendar)) == 0
