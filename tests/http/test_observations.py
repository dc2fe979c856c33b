"""Yearly observation of each practitioner's practice (issue 25, Bolton: "This should happen at
least every 12 months"), through the signed HTTP endpoint and the Slack stand-in: recorded by
the team manager with `/audit observed`, refused clearly when it cannot be, listed, sent to
team managers monthly when someone is due, and counted (never named) in /audit status."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy
from models import Observation
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thursday
BOLTON = Policy(observation={"enabled": True})


def start(start_bot, policy, clock):
    return start_bot(
        clock, policy=policy, people=lambda s: factories.authority(s, cases_per_team=1)
    )


def mention(bot, key):
    person = bot.people[key]
    return f"<@{person.slack_user_id}|{person.name.split()[0].lower()}>"


def observed(bot, who, text):
    return bot.command(bot.people[who].slack_user_id, f"observed {text}".strip()).text


def observations(bot) -> list[Observation]:
    with bot.services.make_session() as session:
        return session.exec(select(Observation)).all()


def test_a_team_manager_records_observations_and_is_told_who_is_due(start_bot):
    clock = Clock(NOW)
    bot = start(start_bot, BOLTON, clock)
    pat, rae = mention(bot, "north_worker"), mention(bot, "south_worker")
    answer = observed(bot, "north_tm", f"{pat} joint home visit")
    assert "Recorded: you observed Pat Worker's practice on Thursday 3 December 2026" in answer
    assert "next observation is due by Friday 3 December 2027" in answer
    assert "Already recorded" in observed(bot, "north_tm", f"{pat} 2026-12-03")

    refusals = {
        "someone else's": observed(bot, "north_tm", rae),
        "the future": observed(bot, "north_tm", f"{pat} 2026-12-04"),
        "too long ago": observed(bot, "north_tm", f"{pat} 2025-11-01"),
        "no mention": observed(bot, "north_tm", "Pat"),
        "not a date": observed(bot, "north_tm", f"{pat} 2026-02-30"),
        "not a practitioner": observed(bot, "north_tm", mention(bot, "south_tm")),
        "a practitioner": observed(bot, "north_worker", rae),
    }
    assert "Only Rae Worker's team manager" in refusals["someone else's"]
    assert "is in the future" in refusals["the future"]
    assert "too long ago" in refusals["too long ago"]
    assert "Name the practitioner you observed as a mention" in refusals["no mention"]
    assert "2026-02-30 is not a date" in refusals["not a date"]
    assert "among the practitioners" in refusals["not a practitioner"]
    assert "only team managers, admins can use `/audit observed`" in refusals["a practitioner"]
    [recorded] = observations(bot)
    assert (recorded.note, str(recorded.next_due_on)) == ("joint home visit", "2027-12-03")

    listing = observed(bot, "south_tm", "")
    assert "Rae Worker: *never observed* (overdue)" in listing

    # January's first working day: Sol hears of Rae (never observed); Nina has nobody due.
    for moment in (
        datetime(2027, 1, 4, 10, 0, tzinfo=UTC),
        datetime(2027, 1, 4, 15, 0, tzinfo=UTC),
    ):
        clock.now = moment
        run_due_work(bot.services, moment)
    sol, nina = bot.people["south_tm"].slack_user_id, bot.people["north_tm"].slack_user_id
    [listed] = bot.dms_containing(sol, "Observations of practice")
    assert f"<@{bot.people['south_worker'].slack_user_id}>: never observed" in json.dumps(listed)
    assert bot.dms_containing(nina, "Observations of practice", 0) == []

    status = bot.command(bot.people["admin"].slack_user_id, "status 2027-01").text
    assert "*Observations of practice:* *1* practitioners overdue" in status
    assert "*0* due within a month, *1* up to date" in status
    assert "Rae" not in status


def test_off_by_default_the_command_says_so_and_records_nothing(start_bot):
    bot = start(start_bot, Policy(), Clock(NOW))
    answer = observed(bot, "north_tm", mention(bot, "north_worker"))
    assert "not recorded in Auditbot here" in answer
    assert observations(bot) == []
