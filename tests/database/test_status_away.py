"""`/audit status` for overseers lists who of the ladder is away now and who covers them, at
fixed `now`s: only people with a programme role, only while the absence is in force, capped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.audit_command import run_audit_command
from bot.commands.status import programme_status
from bot.core.months import Month
from bot.demo.slack_standin import SlackStandIn
from bot.people.away import answer_away
from bot.people.away_command import AwayRequest
from messages import render
from models.db import transaction
from tests.database.test_chasing import make_services
from tests.support import factories

LONDON = ZoneInfo("Europe/London")
SET_ON = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DURING = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)  # Tuesday 15 December 2026, GMT
DECEMBER = Month(2026, 12)
WITHHELD = "nobody — their messages wait for their return"


def away(session, person, first, last, cover=None, now=SET_ON):
    factories.mark_away(session, person, first, last, cover=cover, now=now, timezone=LONDON)


def away_section(session, now=DURING) -> str | None:
    """The text of the reply's "Away now" section, or None when the reply has none."""
    status = programme_status(session, DECEMBER, now.astimezone(LONDON).date(), now)
    reply = render("status_programme", status=status)
    texts = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"]
    found = [text for text in texts if text.startswith("*Away now*")]
    assert len(found) <= 1
    return found[0] if found else None


def test_nobody_away_means_no_section(people):
    session, _p = people
    assert programme_status(session, DECEMBER, DURING.date(), DURING).away == []
    assert away_section(session) is None


def test_only_people_on_the_ladder_are_listed(people):
    session, p = people
    away(session, p["north_worker"], date(2026, 12, 14), date(2026, 12, 18))
    away(session, p["admin"], date(2026, 12, 14), date(2026, 12, 18))
    assert away_section(session) is None


def test_a_team_manager_away_with_their_line_manager_covering(people):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 18))
    assert away_section(session) == (
        "*Away now* (1):\n"
        "• *Nina North* (team manager, North): away until Friday 18 December 2026; "
        "cover: Sam Service"
    )
    # The Home tab asks without a moment: it does not show who is away.
    assert programme_status(session, DECEMBER, DURING.date()).away == []


def test_a_named_cover_and_a_cover_who_is_away_too(people):
    session, p = people
    away(session, p["south_tm"], date(2026, 12, 14), date(2026, 12, 23), cover=p["north_tm"])
    assert away_section(session).endswith(
        "• *Sol South* (team manager, South): away until Wednesday 23 December 2026; "
        "cover: Nina North"
    )
    # Nina goes away too: Sol's messages pass on to Nina's cover, as the DMs do.
    away(session, p["north_tm"], date(2026, 12, 15), date(2026, 12, 15))
    assert away_section(session).splitlines()[1:] == [
        "• *Nina North* (team manager, North): away until Tuesday 15 December 2026; "
        "cover: Sam Service",
        "• *Sol South* (team manager, South): away until Wednesday 23 December 2026; "
        "cover: Sam Service",
    ]


def test_with_nobody_to_cover_their_messages_wait_and_the_ladder_is_in_order(people):
    session, p = people
    away(session, p["head"], date(2026, 12, 14), date(2026, 12, 18))  # has no line manager
    away(session, p["service_manager"], date(2026, 12, 15), date(2026, 12, 16))
    away(session, p["south_tm"], date(2026, 12, 15), date(2026, 12, 16))
    assert away_section(session).splitlines() == [
        "*Away now* (3):",
        # Sol's line manager is away and so is hers: nobody is left to cover.
        f"• *Sol South* (team manager, South): away until Wednesday 16 December 2026; "
        f"cover: {WITHHELD}",
        f"• *Sam Service* (service manager): away until Wednesday 16 December 2026; "
        f"cover: {WITHHELD}",
        f"• *Hana Head* (head of service): away until Friday 18 December 2026; cover: {WITHHELD}",
    ]


def test_an_absence_not_yet_started_or_ended_is_not_listed(people):
    session, p = people
    away(session, p["north_tm"], date(2026, 12, 16), date(2026, 12, 18))  # from tomorrow
    away(session, p["south_tm"], date(2026, 12, 7), date(2026, 12, 14))  # back today
    assert away_section(session) is None
    # The first and last days count whole, in local time (London is on GMT in December).
    assert "Nina North" in away_section(session, datetime(2026, 12, 16, 0, 0, tzinfo=UTC))
    assert "Nina North" in away_section(session, datetime(2026, 12, 18, 23, 59, tzinfo=UTC))
    assert away_section(session, datetime(2026, 12, 19, 0, 0, tzinfo=UTC)) is None
    assert "Sol South" in away_section(session, datetime(2026, 12, 14, 23, 59, tzinfo=UTC))


def test_someone_back_early_today_is_not_listed_from_the_moment_they_cleared_it(people):
    """Why status is read at `now`, not on `today`: clearing ends the absence there and then."""
    session, p = people
    away(session, p["service_manager"], date(2026, 12, 14), date(2026, 12, 18))
    back = datetime(2026, 12, 15, 14, 30, tzinfo=UTC)
    answer_away(session, p["service_manager"], AwayRequest(clear=True), back, LONDON)
    assert "Sam Service" in away_section(session, back - timedelta(minutes=1))
    assert away_section(session, back) is None
    assert away_section(session, datetime(2026, 12, 15, 16, 0, tzinfo=UTC)) is None


def test_a_long_list_is_capped_with_how_many_more(people):
    session, p = people
    managers = [
        factories.person(
            session, f"Manager {n:02d}", "team_manager", factories.team(session, f"Team {n:02d}")
        )
        for n in range(13)
    ]
    for manager in managers:
        away(session, manager, date(2026, 12, 14), date(2026, 12, 18))
    lines = away_section(session).splitlines()
    assert lines[0] == "*Away now* (13):"
    assert [line.split("*")[1] for line in lines[1:11]] == [f"Manager {n:02d}" for n in range(10)]
    assert lines[11:] == ["…and 3 more"]
    assert all(line.endswith(f"cover: {WITHHELD}") for line in lines[1:11])


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


def test_the_status_command_shows_it_to_overseers_only(engine, database_url, slack):
    services = make_services(engine, database_url, slack)
    with transaction(services.make_session) as session:
        p = factories.authority(session, cases_per_team=1)
        away(session, p["north_tm"], date(2026, 12, 14), date(2026, 12, 18), cover=p["admin"])
        admin, manager = p["admin"].slack_user_id, p["south_tm"].slack_user_id
    services.moment[0] = DURING
    reply = json.dumps(run_audit_command(services, admin, "status").notice, ensure_ascii=False)
    assert "• *Nina North* (team manager, North): away until Friday 18 December 2026; " in reply
    assert "cover: Ada Admin" in reply
    services.moment[0] = datetime(2026, 12, 19, 9, 0, tzinfo=UTC)
    assert "Away now" not in json.dumps(run_audit_command(services, admin, "status").notice)
    services.moment[0] = DURING
    assert "Away now" not in json.dumps(run_audit_command(services, manager, "status").notice)
