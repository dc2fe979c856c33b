"""Extensions through the signed HTTP endpoint: within the policy limit granted at once (the
service manager told), beyond it approved or refused by the service manager in Slack, bad
requests answered inline with nothing changed; chasing and the monthly report use the extended
due date and count the extension."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.policy.schema import Policy
from bot.report.figures import compute_briefing
from bot.report.period import Period
from models import Extension, Selection
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import (
    Clock,
    click_for_view,
    ephemeral_replies,
    updates_of,
)

pytestmark = pytest.mark.integration
ASKED = datetime(2026, 12, 29, 11, 0, tzinfo=UTC)  # the December audit is due on Thursday 31st
REASON = "The practitioner is on leave until the new year."


@pytest.fixture
def running(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=3))
    bot.ids = {key: p.slack_user_id for key, p in bot.people.items() if hasattr(p, "email")}
    bot.nina_id = bot.people["north_tm"].id
    bot.command(bot.ids["admin"], "select 2026-12")
    bot.selection_dm = bot.dms_containing(bot.ids["north_tm"], "CR-N")[0]
    clock.now = ASKED
    bot.clock = clock
    return bot


def ask(bot, until: str, reason: str = REASON):
    form = click_for_view(
        bot, bot.ids["north_tm"], bot.selection_dm, "extension.open", "extension.submit"
    )
    values = {
        "until": {"until": {"type": "datepicker", "selected_date": until}},
        "reason": {"reason": {"type": "plain_text_input", "value": reason}},
    }
    return bot.submit(bot.ids["north_tm"], form, values)


def tick(bot, now):
    bot.clock.now = now
    run_due_work(bot.services, now)
    bot.wait_until_sent()


def due_on(bot) -> date:
    with bot.services.make_session() as session:
        return session.exec(
            select(Selection.due_on).where(Selection.manager_id == bot.nina_id)
        ).one()


def extensions(bot) -> list[Extension]:
    with bot.services.make_session() as session:
        return list(session.exec(select(Extension)).all())


def test_within_the_limit_it_is_granted_at_once_and_chasing_and_the_report_use_it(running):
    # Thursday 31 December to Friday 8 January: 5 working days (New Year's Day is a holiday).
    assert not ask(running, "2027-01-08").body
    assert due_on(running) == date(2027, 1, 8)
    told = running.dms_containing(running.ids["service_manager"], "Extension granted")[0]
    assert "5 working days" in json.dumps(told) and REASON in json.dumps(told)
    selection_ts = running.selection_dm["ts"]
    assert running.slack.wait_for(lambda: updates_of(running, selection_ts))
    assert "Friday 8 January 2027" in updates_of(running, selection_ts)[-1]["text"]

    nina = running.ids["north_tm"]
    tick(running, datetime(2027, 1, 4, 10, 30, tzinfo=UTC))
    assert not any("Submit the December" in json.dumps(m) for m in running._delivered(nina))
    tick(running, datetime(2027, 1, 11, 10, 30, tzinfo=UTC))
    assert running.dms_containing(nina, "Submit the December 2026 audit of CR-N")

    with running.services.make_session() as session:
        briefing = compute_briefing(
            session,
            Period.parse("2026-12"),
            framework=Policy().framework,
            timezone=ZoneInfo("Europe/London"),
            as_of=date(2027, 1, 11),
        )
    assert briefing.current.extended == 1


def test_beyond_the_limit_the_service_manager_approves(running):
    assert not ask(running, "2027-01-15").body  # 10 working days
    assert due_on(running) == date(2026, 12, 31)
    sam, sol = running.ids["service_manager"], running.ids["south_tm"]
    request = running.dms_containing(sam, "needs your decision")[0]
    running.click(sol, request, "extension.approve")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the service manager asked" in ephemeral_replies(running)[0]
    assert due_on(running) == date(2026, 12, 31)

    running.click(sam, request, "extension.approve")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert "now due by Friday 15 January 2027" in ephemeral_replies(running)[1]
    assert due_on(running) == date(2027, 1, 15)
    assert running.dms_containing(running.ids["north_tm"], "More time approved")
    assert running.slack.wait_for(lambda: updates_of(running, request["ts"]))
    assert "Approved" in json.dumps(updates_of(running, request["ts"])[-1])
    assert [e.status for e in extensions(running)] == ["approved"]


def test_beyond_the_limit_the_service_manager_refuses_with_a_reason(running):
    assert not ask(running, "2027-01-15").body
    sam = running.ids["service_manager"]
    request = running.dms_containing(sam, "needs your decision")[0]
    form = click_for_view(running, sam, request, "extension.refuse", "extension.refuse")
    short = {"reason": {"reason": {"type": "plain_text_input", "value": "No."}}}
    assert "errors" in running.submit(sam, form, short).json
    because = "The audit can be done with the team manager's notes."
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": because}}}
    assert not running.submit(sam, form, reason).body
    refused = running.dms_containing(running.ids["north_tm"], "More time refused")[0]
    assert because in json.dumps(refused)
    assert due_on(running) == date(2026, 12, 31)
    running.click(sam, request, "extension.approve")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "already been decided" in ephemeral_replies(running)[0]
    assert [e.status for e in extensions(running)] == ["refused"]


@pytest.mark.parametrize(
    ("until", "reason", "field", "says"),
    [
        ("2026-12-30", REASON, "until", "Pick a date after the current due date"),
        ("2027-01-02", REASON, "until", "is not a working day"),
        ("2027-01-08", "busy", "reason", "Say why more time is needed"),
    ],
)
def test_a_bad_request_is_answered_inline_and_changes_nothing(running, until, reason, field, says):
    answer = ask(running, until, reason)
    assert answer.json["response_action"] == "errors"
    assert says in answer.json["errors"][field]
    assert extensions(running) == []
    assert due_on(running) == date(2026, 12, 31)


def test_a_second_request_waits_for_the_first(running):
    assert not ask(running, "2027-01-15").body
    running.click(running.ids["north_tm"], running.selection_dm, "extension.open")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "with your service manager" in ephemeral_replies(running)[0]
