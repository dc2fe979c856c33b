"""The chasing DM's buttons through the signed HTTP endpoint: act on an item, ask for more time
for an audit (as from the selection DM), snooze, and bad or someone else's clicks answered
clearly with nothing changed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from bot.demo.slack_requests import find_button
from models import Booking, ChaseNotice, ChaseSnooze, Extension, Selection
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import (
    Clock,
    click_for_view,
    ephemeral_replies,
    updates_of,
)

pytestmark = pytest.mark.integration
CHASED = datetime(2026, 12, 11, 10, 30, tzinfo=UTC)  # Friday: discussions not booked by the 10th
NEXT_CHASE = datetime(2026, 12, 15, 10, 30, tzinfo=UTC)  # two working days on
REASON = "The practitioner is on leave until the new year."


@pytest.fixture
def running(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=3))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    clock.now = CHASED
    run_due_work(bot.services, CHASED)
    bot.clock = clock
    return bot


def chasing_dm(bot, key="north_tm"):
    user = bot.people[key].slack_user_id
    assert bot.slack.wait_for(
        lambda: any("chase.snooze" in json.dumps(m) for m in bot.dms_to(user))
    )
    return next(m for m in bot.dms_to(user, 2) if "chase.snooze" in json.dumps(m))


def ask_for_more_time(bot, user: str, message: dict, action_id: str, until: str):
    """Click `action_id` in `message`, then fill in and send the form it opens."""
    form = click_for_view(bot, user, message, action_id, "extension.submit")
    assert "CR-N" in json.dumps(form)
    values = {
        "until": {"until": {"type": "datepicker", "selected_date": until}},
        "reason": {"reason": {"type": "plain_text_input", "value": REASON}},
    }
    return bot.submit(user, form, values)


def ninas_selection(bot) -> Selection:
    with bot.services.make_session() as session:
        return session.exec(
            select(Selection).where(Selection.manager_id == bot.people["north_tm"].id)
        ).one()


def extensions(bot) -> list[tuple[str, int, date, int]]:
    with bot.services.make_session() as session:
        return [
            (e.status, e.requested_by_id, e.new_due_on, e.working_days)
            for e in session.exec(select(Extension)).all()
        ]


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
    find_button(forged, "chase.act.1")["value"] = "no_such_kind:12"
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


@pytest.mark.parametrize(
    ("where", "action_id"), [("selection DM", "extension.open"), ("chasing DM", "extension.open.1")]
)
def test_more_time_from_the_chasing_dm_is_granted_as_from_the_selection_dm(
    running, where, action_id
):
    nina = running.people["north_tm"]
    chase = chasing_dm(running)
    message = (
        running.dms_containing(nina.slack_user_id, "CR-N")[0] if where == "selection DM" else chase
    )
    assert find_button(chase, "extension.open.1")["value"] == str(ninas_selection(running).id)
    # Thursday 31 December to Friday 8 January: 5 working days, within the limit.
    assert not ask_for_more_time(running, nina.slack_user_id, message, action_id, "2027-01-08").body
    assert extensions(running) == [("granted", nina.id, date(2027, 1, 8), 5)]
    assert ninas_selection(running).due_on == date(2027, 1, 8)
    sam = running.people["service_manager"].slack_user_id
    told = running.dms_containing(sam, "Extension granted")[0]
    assert "5 working days" in json.dumps(told) and REASON in json.dumps(told)
    selection_dm = running.dms_containing(nina.slack_user_id, "CR-N")[0]
    assert running.slack.wait_for(lambda: updates_of(running, selection_dm["ts"]))
    assert "Friday 8 January 2027" in updates_of(running, selection_dm["ts"])[-1]["text"]


def test_beyond_the_limit_it_goes_to_the_service_manager_and_the_button_waits(running):
    nina = running.people["north_tm"].slack_user_id
    chase = chasing_dm(running)
    assert not ask_for_more_time(running, nina, chase, "extension.open.1", "2027-01-15").body
    assert [e[0] for e in extensions(running)] == ["pending"]
    assert ninas_selection(running).due_on == date(2026, 12, 31)
    assert running.dms_containing(
        running.people["service_manager"].slack_user_id, "needs your decision"
    )
    running.click(nina, chase, "extension.open.1")  # the same button again
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "with your service manager" in ephemeral_replies(running)[0]
    assert len(extensions(running)) == 1

    running.clock.now = NEXT_CHASE
    run_due_work(running.services, NEXT_CHASE)
    running.wait_until_sent()
    dms = [m for m in running.dms_to(nina) if "chase.snooze" in json.dumps(m)]
    assert len(dms) == 2
    assert "Book the discussion" in json.dumps(dms[-1]) and "extension.open" not in json.dumps(
        dms[-1]
    )


def test_a_cover_may_ask_for_more_time_from_the_chasing_dm_someone_else_may_not(running):
    nina, sam = running.people["north_tm"], running.people["service_manager"]
    sol = running.people["south_tm"].slack_user_id
    running.click(sol, chasing_dm(running), "extension.open.1")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the team manager this case was drawn for" in ephemeral_replies(running)[0]
    assert not running.slack.calls("views.open")

    running.command(nina.slack_user_id, "away 2026-12-14 2026-12-18")  # Sam covers
    running.clock.now = NEXT_CHASE
    run_due_work(running.services, NEXT_CHASE)
    chase = running.dms_containing(sam.slack_user_id, "chase.snooze")[0]
    assert chase["text"].startswith("Covering for Nina North")
    assert not ask_for_more_time(
        running, sam.slack_user_id, chase, "extension.open.1", "2027-01-08"
    ).body
    assert extensions(running) == [("granted", sam.id, date(2027, 1, 8), 5)]
    assert ninas_selection(running).due_on == date(2027, 1, 8)


def test_a_cover_gets_one_chasing_dm_a_day_with_the_absent_managers_items_marked(running):
    """17 December: Nina's discussion, not booked by the 10th, is her own overdue item and has
    reached her service manager Sam, who is covering for her. One DM, the case named once."""
    nina, sam = running.people["north_tm"], running.people["service_manager"]
    running.command(nina.slack_user_id, "away 2026-12-14 2026-12-18")
    running.wait_until_sent()
    before = {
        person.id: len(running.dms_containing(person.slack_user_id, "chase.snooze", 0))
        for person in (nina, sam)
    }
    seventeenth = datetime(2026, 12, 17, 10, 30, tzinfo=UTC)
    running.clock.now = seventeenth
    run_due_work(running.services, seventeenth)
    running.wait_until_sent()

    chases = running.dms_containing(sam.slack_user_id, "chase.snooze")[before[sam.id] :]
    assert len(chases) == 1
    chase = json.dumps(chases[0], ensure_ascii=False)
    assert chase.count("Book the audit discussion about CR-N") == 1
    assert "For Nina North · due" in chase  # her item, marked as hers
    assert "of Nina North's, as you are covering for them" in chase
    assert "CR-S" in chase  # Sol's, escalated to Sam himself, in the same DM
    assert chases[0]["text"].startswith("Covering for Nina North: 1 overdue item")
    ninas = running.dms_containing(nina.slack_user_id, "chase.snooze", 0)
    assert len(ninas) == before[nina.id]  # hers went to Sam
    with running.services.make_session() as session:
        noted = session.exec(
            select(ChaseNotice.recipient_id).where(ChaseNotice.day == date(2026, 12, 17))
        ).all()
    assert nina.id in noted and sam.id in noted  # each still chased on their own schedule
