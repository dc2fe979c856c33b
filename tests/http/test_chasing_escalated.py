"""An item escalated to a service manager in their chasing DM carries "Open" (the item in a
modal) and "Nudge the manager" (one DM to the team manager a day), both through the signed HTTP
endpoint; a click by someone outside the item's line is refused and sends nothing."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.demo.slack_requests import find_button
from models import AuditLogEntry, Selection
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies

pytestmark = pytest.mark.integration
# Thursday 17 December: the discussions not booked by the 10th have reached the service manager.
ESCALATED = datetime(2026, 12, 17, 10, 30, tzinfo=UTC)


def authority_with_another_service_manager(session):
    people = factories.authority(session, cases_per_team=3)
    people["other_sm"] = factories.person(session, "Olly Other", "service_manager")
    return people


@pytest.fixture
def running(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=authority_with_another_service_manager)
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    clock.now = ESCALATED
    run_due_work(bot.services, ESCALATED)
    bot.wait_until_sent()
    return bot


def ninas_item(bot) -> str:
    with bot.services.make_session() as session:
        selection = session.exec(
            select(Selection).where(Selection.manager_id == bot.people["north_tm"].id)
        ).one()
    return f"discussion_not_booked:{selection.id}"


def sams_chasing_dm(bot) -> dict:
    [dm] = bot.dms_containing(bot.people["service_manager"].slack_user_id, "chase.nudge.")
    return dm


def nudges_to(bot, key: str) -> list[dict]:
    return [m for m in bot._delivered(bot.people[key].slack_user_id) if "nudged you" in m["text"]]


def test_an_escalated_item_has_open_and_nudge_for_the_service_manager(running):
    item = ninas_item(running)
    dm = sams_chasing_dm(running)
    assert "escalated to you" in dm["text"]
    assert find_button(dm, f"chase.open.{item}")["value"] == item
    nudge = find_button(dm, f"chase.nudge.{item}")
    assert nudge["value"] == item and nudge["text"]["text"].startswith("Nudge the manager: CR-N")
    # Nina's own DM lists the item as hers, with no escalation buttons.
    [own] = running.dms_containing(running.people["north_tm"].slack_user_id, "chase.snooze")[-1:]
    assert "chase.nudge." not in json.dumps(own)


def test_open_shows_the_item(running):
    sam = running.people["service_manager"].slack_user_id
    item = ninas_item(running)
    modal = click_for_view(
        running, sam, sams_chasing_dm(running), f"chase.open.{item}", "chase.item"
    )
    text = json.dumps(modal, ensure_ascii=False)
    assert "Book the audit discussion about CR-N" in text
    assert "Thursday 10 December 2026" in text  # due
    assert "5 working days" in text  # overdue
    assert running.people["north_tm"].slack_user_id in text  # the owner


def test_nudge_sends_one_dm_to_the_manager_and_a_second_click_says_so(running):
    sam = running.people["service_manager"]
    item = ninas_item(running)
    dm = sams_chasing_dm(running)
    running.click(sam.slack_user_id, dm, f"chase.nudge.{item}")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert ephemeral_replies(running) == ["I've nudged Nina North about it."]
    [nudge] = running.dms_containing(running.people["north_tm"].slack_user_id, "nudged you")
    assert nudge["text"].startswith("Sam Service nudged you: Book the audit discussion about CR-N")

    running.click(sam.slack_user_id, dm, f"chase.nudge.{item}")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert ephemeral_replies(running)[1] == (
        "Nina North was already nudged today about this item: nothing more sent."
    )
    running.wait_until_sent()
    assert len(nudges_to(running, "north_tm")) == 1
    with running.services.make_session() as session:
        logged = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "chase.nudge")
        ).all()
    assert [(e.actor, e.subject) for e in logged] == [(sam.email, item)]


def test_a_click_by_someone_outside_the_items_line_is_refused_and_sends_nothing(running):
    item = ninas_item(running)
    dm = sams_chasing_dm(running)
    running.click(running.people["other_sm"].slack_user_id, dm, f"chase.nudge.{item}")
    running.click(running.people["south_tm"].slack_user_id, dm, f"chase.open.{item}")
    forged = copy.deepcopy(dm)
    find_button(forged, f"chase.nudge.{item}")["value"] = "no_such_kind:1"
    running.click(running.people["service_manager"].slack_user_id, forged, f"chase.nudge.{item}")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 3)
    replies = ephemeral_replies(running)
    assert sum("only the service manager or head of service" in r for r in replies) == 2
    assert any("That button is not valid any more" in r for r in replies)
    running.wait_until_sent()
    assert not nudges_to(running, "north_tm")
    assert not [
        c for c in running.slack.calls("views.open") if "chase.item" in json.dumps(c.params)
    ]


def test_an_administrator_may_open_the_item(running):
    admin = running.people["admin"].slack_user_id
    item = ninas_item(running)
    modal = click_for_view(
        running, admin, sams_chasing_dm(running), f"chase.open.{item}", "chase.item"
    )
    assert "CR-N" in json.dumps(modal)


def test_two_nudges_at_once_send_one_dm(running):
    """A double click (or Slack's retry) racing: the nudged manager's row is locked, so the
    second sees the first's nudge."""
    sam = running.people["service_manager"].slack_user_id
    item = ninas_item(running)
    dm = sams_chasing_dm(running)
    start = threading.Barrier(2)

    def click(_):
        start.wait()
        return running.click(sam, dm, f"chase.nudge.{item}")

    with ThreadPoolExecutor(2) as pool:
        assert [answer.status for answer in pool.map(click, range(2))] == [200, 200]
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert sorted(ephemeral_replies(running)) == [
        "I've nudged Nina North about it.",
        "Nina North was already nudged today about this item: nothing more sent.",
    ]
    running.wait_until_sent()
    assert len(nudges_to(running, "north_tm")) == 1
