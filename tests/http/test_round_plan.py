"""The year's audit days planned ahead, through the scheduler and the signed HTTP endpoint
(issue 25, Halton): the plan's four dates become audit day rounds at once, each auditor is told
the dates once, administrators see them in `/audit round status`, and each is drawn five weeks
before its date like any audit day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.policy.schema import Policy, RoundsPolicy, YearlyPlan
from tests.http.test_rounds import people, rounds, tick
from tests.support.harness import Clock

pytestmark = pytest.mark.integration
QUARTERS = [date(2027, 1, 11), date(2027, 4, 12), date(2027, 7, 12), date(2027, 10, 11)]
NAMES = [f"audit-day-{day}" for day in QUARTERS]
AUDITORS = ["north_tm", "south_tm", "east_tm"]


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))


@pytest.fixture
def running(start_bot, clock):
    plan = YearlyPlan(
        dates=QUARTERS,
        cases=3,
        auditors=[f"{key[:-3]}.manager@example.gov.uk" for key in AUDITORS],
    )
    return start_bot(clock, policy=Policy(rounds=RoundsPolicy(yearly_plan=plan)), people=people)


def planned_dms(bot, key):
    return [m for m in bot.dms_to(bot.people[key].slack_user_id) if "audit day" in m["text"]]


def told_dates(bot):
    return [
        call.params["channel"]
        for call in bot.slack.calls("chat.postMessage")
        if "keep the date(s) free" in call.params.get("text", "")
    ]


def test_the_years_audit_days_are_defined_at_once_told_once_and_drawn_in_turn(running, clock):
    report = tick(running, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert report.rounds.defined == NAMES and report.rounds.drawn == []
    assert [(r.name, r.source, r.kind) for r in rounds(running)] == [
        (name, "plan", "audit_day") for name in NAMES
    ]
    for key in AUDITORS:
        [told] = planned_dms(running, key)
        assert "keep the date(s) free" in told["text"]
        assert all(name in json.dumps(told["blocks"]) for name in NAMES)
    assert len(told_dates(running)) == 3  # the auditors, nobody else

    again = tick(running, clock, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert again.rounds.defined == []
    assert len(told_dates(running)) == 3

    status = running.command(running.people["admin"].slack_user_id, "round status").text
    assert all(name in status for name in NAMES)
    assert "Cases to be drawn on Monday 7 December 2026" in status

    drawn = tick(running, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert drawn.rounds.drawn == ["audit-day-2027-01-11"]
