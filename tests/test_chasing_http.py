"""The chasing DM's buttons through the signed HTTP endpoint: act on an item, snooze, and bad
or someone else's clicks answered clearly with nothing changed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from bot.slack_standin import SlackStandIn
from models import Booking, ChaseSnooze
from models.db import transaction
from scheduler.jobs import run_due_work
from tests import factories
from tests.harness import Clock, click_for_view, ephemeral_replies, start_bot

pytestmark = pytest.mark.integration
CHASED = datetime(2026, 12, 11, 10, 30, tzinfo=UTC)  # Friday: discussions not booked by the 10th


@pytest.fixture
def running(database_url):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    slack = SlackStandIn().start()
    bot, stop = start_bot(database_url, slack, clock=clock)
    with transaction(bot.services.make_session) as session:
        bot.people = factories.authority(session, cases_per_team=3)
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    clock.now = CHASED
    run_due_work(bot.services, CHASED)
    bot.clock = clock
    yield bot
    stop()
    slack.stop()


def chasing_dm(bot, key="north_tm"):
    user = bot.people[key].slack_user_id
    assert bot.slack.wait_for(
        lambda: any("chase.snooze" in json.dumps(m) for m in bot.dms_to(user))
    )
    return next(m for m in bot.dms_to(user, 2) if "chase.snooze" in json.dumps(m))


def snoozes(bot) -> int:
    with bot.services.make_session() as session:
        return session.exec(select(func.count()).select_from(ChaseSnooze)).one()


def test_the_items_button_opens_what_is_needed(running):
    manager = running.people["north_tm"].slack_user_id
    message = chasing_dm(running)
    assert message["text"] == "1 overdue item for you"
    form = click_for_view(running, manager, message, "chase.act.1", "booking.submit")
    assert "CR-N" in json.dumps(form)


def test_remind_me_tomorrow_snoozes_until_the_next_working_day(running):
    manager = running.people["north_tm"].slack_user_id
    running.click(manager, chasing_dm(running), "chase.snooze")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert ephemeral_replies(running) == [
        "I'll remind you on Monday 14 December 2026. Your manager is still told on the usual dates."
    ]
    assert snoozes(running) == 1


def test_a_forged_or_someone_elses_button_changes_nothing(running):
    other = running.people["south_tm"].slack_user_id
    message = chasing_dm(running)
    running.click(other, message, "chase.act.1")  # Nina's discussion, clicked by Sol
    forged = copy.deepcopy(message)
    for block in forged["blocks"]:
        if "accessory" in block:
            block["accessory"]["value"] = "no_such_kind:12"
    running.click(running.people["north_tm"].slack_user_id, forged, "chase.act.1")
    running.click("U0NOBODY", message, "chase.snooze")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 3)
    replies = ephemeral_replies(running)
    assert any("Only the team manager this case was drawn for" in r for r in replies)
    assert any("That button is not valid any more" in r for r in replies)
    assert any("don't recognise you" in r for r in replies)
    assert snoozes(running) == 0
    with running.services.make_session() as session:
        assert session.exec(select(func.count()).select_from(Booking)).one() == 0
    assert not running.slack.calls("views.open")
