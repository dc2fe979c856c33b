"""The weekly team digest (issue 22, part 6): a paused month says it is paused, and the counts
that only grow say what came since last week, through the signed HTTP endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from models import Team
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock

pytestmark = pytest.mark.integration


def team_channels(session):
    people = factories.authority(session, cases_per_team=3)
    session.get(Team, people["north"].id).channel_id = "C0NORTH"
    return people


@pytest.fixture
def running(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=team_channels)
    bot.clock = clock
    return bot


def digest_to_north(bot) -> dict:
    assert bot.slack.wait_for(
        lambda: [c for c in bot.slack.calls("chat.postMessage") if c.params["channel"] == "C0NORTH"]
    )
    return next(
        c.params for c in bot.slack.calls("chat.postMessage") if c.params["channel"] == "C0NORTH"
    )


def test_the_digest_of_a_paused_month_says_it_is_paused(running):
    admin = running.people["admin"].slack_user_id
    assert "is paused" in running.command(admin, "pause 2026-12 Ofsted inspection month").text
    running.clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday, digest time
    run_due_work(running.services, running.clock.now)
    digest = digest_to_north(running)
    body = json.dumps(digest["blocks"])
    assert "December 2026 is paused" in body and "no case is selected this month" in body
    assert "(paused)" in digest["text"]
    assert "Cases selected this month: *0*" in body


def test_the_digest_says_what_was_done_since_last_week(running):
    admin = running.people["admin"].slack_user_id
    running.command(admin, "select 2026-12")
    with transaction(running.services.make_session) as session:
        people = running.people
        case = factories.case(session, people["north"], people["north_worker"])
        factories.submitted_audit(
            session, people["north_tm"], case, datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
        )
    running.clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    run_due_work(running.services, running.clock.now)
    body = json.dumps(digest_to_north(running)["blocks"])
    assert "December 2026 is paused" not in body
    assert "Audits completed: *1* (+1 since last week)" in body
    assert "Re-audits done: *0* (+0 since last week)" in body
