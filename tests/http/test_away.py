"""Away and cover through the signed HTTP endpoint: `/audit away`, DMs redirected to the cover
marked "Covering for …", the cover allowed to act on them, escalation passing an absent manager
by, one catch-up DM on the return, and bad input answered with nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from models import Absence
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import (
    Clock,
    click_for_view,
    ephemeral_replies,
    views_opened,
)
from tests.support.reliability import fill

pytestmark = pytest.mark.integration
FRIDAY_BEFORE = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
FIRST_MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
CHASED = datetime(2026, 12, 11, 10, 30, tzinfo=UTC)  # Friday: discussions not booked by the 10th
BACK = datetime(2026, 12, 14, 10, 30, tzinfo=UTC)  # Monday after an absence ending on the 11th


@pytest.fixture
def running(start_bot):
    clock = Clock(FRIDAY_BEFORE)
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=3))
    bot.ids = {
        key: person.slack_user_id for key, person in bot.people.items() if hasattr(person, "email")
    }
    bot.clock = clock
    return bot


def tick(bot, now):
    bot.clock.now = now
    run_due_work(bot.services, now)
    bot.wait_until_sent()


def absences(bot) -> int:
    with bot.services.make_session() as session:
        return session.exec(select(func.count()).select_from(Absence)).one()


def test_a_managers_prompts_go_to_the_cover_who_can_act_then_one_catch_up_on_return(running):
    nina, sam, sol = (
        running.ids["north_tm"],
        running.ids["service_manager"],
        running.ids["south_tm"],
    )
    answer = running.command(nina, "away 2026-11-30 2026-12-11").json
    assert "away from Monday 30 November 2026 to Friday 11 December 2026" in answer["text"]
    assert f"<@{sam}> covers" in answer["text"]  # a team manager's cover: their service manager
    assert running.dms_containing(sam, "You are covering for")

    running.clock.now = FIRST_MONDAY
    running.command(running.ids["admin"], "select 2026-12")
    selection_dm = running.dms_containing(sam, "CR-N")[0]
    assert selection_dm["text"].startswith("Covering for Nina North, who is away until Friday")
    assert "Covering for Nina North" in selection_dm["blocks"][0]["elements"][0]["text"]
    form = click_for_view(running, sam, selection_dm, "booking.open", "booking.submit")
    assert "CR-N" in json.dumps(form)  # the cover may act for Nina while she is away
    running.click(sol, selection_dm, "booking.open")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the team manager this case was drawn for" in ephemeral_replies(running)[0]

    tick(running, CHASED)
    chase = running.dms_containing(sam, "chase.snooze")[0]
    assert chase["text"].startswith("Covering for Nina North")
    assert "Book the audit discussion about CR-N" in json.dumps(chase)
    assert running._delivered(nina) == []  # nothing reached Nina while she was away

    for now in (BACK, BACK, datetime(2026, 12, 15, 10, 30, tzinfo=UTC)):
        tick(running, now)
    welcome = [m for m in running._delivered(nina) if "Welcome back" in m["text"]]
    assert len(welcome) == 1
    assert "The audit of CR-N" in json.dumps(welcome[0])
    assert f"<@{sam}> covered your messages" in json.dumps(welcome[0])


def test_escalation_passes_an_absent_service_manager_by_to_the_next_rung(running):
    sam, head, sol = running.ids["service_manager"], running.ids["head"], running.ids["south_tm"]
    running.command(running.ids["admin"], "select 2026-12")
    answer = running.command(sam, f"away 2026-12-14 2026-12-31 <@{sol}|sol>").json
    assert f"<@{sol}> covers" in answer["text"]
    # The discussions were to be booked by the 10th; the service manager hears 5 working days on.
    tick(running, datetime(2026, 12, 17, 10, 30, tzinfo=UTC))
    escalated = running.dms_containing(head, "escalated to you")[0]
    assert "CR-N" in json.dumps(escalated) and "CR-S" in json.dumps(escalated)
    assert not any("escalated" in json.dumps(m) for m in running._delivered(sam))
    assert not any("escalated" in json.dumps(m) for m in running._delivered(sol))


def test_an_administrator_sets_and_clears_someone_elses_absence(running):
    admin, nina = running.ids["admin"], running.ids["north_tm"]
    answer = running.command(admin, f"away <@{nina}> 2026-12-01 2026-12-04").json
    assert answer["text"].startswith("Nina North is away from Tuesday 1 December 2026")
    assert (
        "is no longer marked away" in running.command(admin, f"away <@{nina}> clear").json["text"]
    )
    assert "not marked away" in running.command(nina, "away").json["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("away 2026-12-01", "Give the first and the last day"),
        ("away 2026-13-01 2026-12-04", "`2026-13-01` is not a date"),
        ("away tomorrow 2026-12-04", "`tomorrow` is not a date"),
        ("away 2026-12-04 2026-12-01", "is before the first"),
        ("away 2026-11-02 2026-11-06", "That absence ended on"),
        ("away 2026-12-01 2026-12-04 <@U0NOBODY>", "<@U0NOBODY> is not on the staff list"),
        ("away <@U0NOBODY> 2026-12-01 2026-12-04", "only administrators"),
        ("away 2026-12-01 2026-12-04 sam", "Name the cover as a mention"),
    ],
)
def test_bad_absences_are_explained_and_change_nothing(running, text, expected):
    answer = running.command(running.ids["north_tm"], text).json
    assert expected in answer["text"]
    assert absences(running) == 0


def test_nobody_covers_for_themselves(running):
    nina = running.ids["north_tm"]
    answer = running.command(nina, f"away 2026-12-01 2026-12-04 <@{nina}>").json
    assert "Nobody can cover for themselves" in answer["text"]
    admin = running.ids["admin"]
    answer = running.command(admin, f"away <@{nina}> 2026-12-01 2026-12-04 <@{nina}>").json
    assert "Nobody can cover for themselves" in answer["text"]
    assert absences(running) == 0


def away_form_from_home(bot, user_id: str, home: dict) -> dict:
    before = len(views_opened(bot, "away.submit"))
    bot.click_home(user_id, home, "home.away")
    assert bot.slack.wait_for(lambda: len(views_opened(bot, "away.submit")) > before)
    return views_opened(bot, "away.submit")[-1]


def test_an_absence_set_from_the_home_tab_is_checked_saved_and_shown_there(running):
    nina, sam = running.ids["north_tm"], running.ids["service_manager"]
    home = running.open_home(nina)
    assert "I will be away" in json.dumps(home)
    form = away_form_from_home(running, nina, home)

    bad = {"starts_on": "2026-12-11", "ends_on": "2026-11-30", "cover": nina}
    answer = running.submit(nina, form, fill(form, bad)).json
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"ends_on", "cover"}  # last day first; herself as cover
    assert absences(running) == 0

    good = {"starts_on": "2026-11-30", "ends_on": "2026-12-11", "cover": None}
    answer = running.submit(nina, form, fill(form, good))
    assert answer.status == 200 and answer.json is None  # the form closes
    assert absences(running) == 1
    running.dms_containing(sam, "You are covering for")  # her manager covers by default
    shown = json.dumps(running.home_of(nina, count=2))  # published again after the change
    assert "You are away from" in shown and "Change my absence" in shown

    again = away_form_from_home(running, nina, running.home_of(nina, count=2))
    dates = [b["element"].get("initial_date") for b in again["blocks"] if b["type"] == "input"]
    assert dates[:2] == ["2026-11-30", "2026-12-11"]  # the form opens on what was saved
