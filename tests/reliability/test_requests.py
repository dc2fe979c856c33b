"""Reliability 5: requests that are not genuinely from Slack, and people acting outside their
rights, are refused and change nothing.

A forged signature, a timestamp older than five minutes, a captured request replayed (its own
old timestamp, or a fresh timestamp on the old signature), a body altered after signing and a
request without signature headers each get 401 and no database change, for a slash command, a
button click and a form submission alike. Entitled-ness is checked on every action and form.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from bot.demo.slack_requests import (
    button_click_body,
    sign,
    slash_command_body,
    view_submission_body,
)
from tests.support import factories
from tests.support.harness import SECRET, Clock
from tests.support.reliability import fill, snapshot

pytestmark = [pytest.mark.reliability, pytest.mark.integration]
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
SIX_MINUTES = 6 * 60


def authority_with_a_tac_case(session) -> dict:
    """The authority, and a TAC case for the north practitioner."""
    people = factories.authority(session, cases_per_team=4)
    factories.case(session, people["north"], people["north_worker"], ref="CR-T001", case_type="TAC")
    return people


@pytest.fixture
def bot(start_bot):
    """December drawn; the north manager has booked, so every kind of request has a target."""
    running = start_bot(Clock(FRIDAY), people=authority_with_a_tac_case)
    running.command(uid(running, "admin"), "select 2026-12")
    manager = uid(running, "north_tm")
    running.selection_dm = running.dms_to(manager)[0]
    running.click(manager, running.selection_dm, "booking.open")
    assert running.slack.wait_for(lambda: views(running, "booking.submit"))
    running.booking_form = views(running, "booking.submit")[0]
    answers = {"date": "2026-12-15", "time": "10:00", "duration": "60"}
    running.submit(manager, running.booking_form, fill(running.booking_form, answers))
    running.invite = running.dms_to(uid(running, "north_worker"))[0]
    running.wait_until_sent()  # no delivery from the set-up lands during a test
    return running


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def views(bot, callback_id: str) -> list[dict]:
    return [
        {**c.params["view"], "id": c.response["view"]["id"]}
        for c in bot.slack.calls("views.open")
        if c.params["view"]["callback_id"] == callback_id
    ]


def genuine_bodies(bot) -> dict[str, str]:
    """Requests that would change something if they were accepted."""
    redraw_reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Moving away."}}}
    return {
        "command": slash_command_body(
            "/audit",
            "select 2027-01",
            user_id=uid(bot, "admin"),
            response_url=bot.slack.response_url("x"),
        ),
        "button": button_click_body(
            user_id=uid(bot, "north_worker"),
            message=bot.invite,
            action_id="booking.can",
            response_url=bot.slack.response_url("x"),
        ),
        "form": view_submission_body(
            user_id=uid(bot, "north_tm"),
            view={
                "type": "modal",
                "callback_id": "selection.redraw",
                "private_metadata": json.dumps({"selection_id": 1}),
                "blocks": [],
            },
            values=redraw_reason,
        ),
    }


def forged_requests(body: str) -> dict[str, dict[str, str]]:
    now = int(time.time())
    captured = sign(SECRET, body, timestamp=now - SIX_MINUTES)  # a request seen 6 minutes ago
    return {
        "forged signature": sign("not-the-signing-secret", body),
        "timestamp over five minutes old": sign(SECRET, body, timestamp=now - SIX_MINUTES),
        "replayed as captured": captured,
        "replayed with a fresh timestamp": {**captured, "X-Slack-Request-Timestamp": str(now)},
        "timestamp in the future": sign(SECRET, body, timestamp=now + SIX_MINUTES),
        "no signature": {"Content-Type": "application/x-www-form-urlencoded"},
    }


@pytest.mark.parametrize("kind", ["command", "button", "form"])
def test_requests_not_from_slack_get_401_and_change_nothing(bot, kind):
    body = genuine_bodies(bot)[kind]
    before = snapshot(bot.engine)
    calls_before = len(bot.slack.calls())
    for name, headers in forged_requests(body).items():
        assert bot.post(body, headers).status == 401, name
    # A body altered after it was signed (here: someone else's user id).
    tampered = body
    for person in ("north_worker", "north_tm", "admin"):
        tampered = tampered.replace(uid(bot, person), uid(bot, "south_worker"))
    assert tampered != body
    assert bot.post(tampered, sign(SECRET, body)).status == 401
    time.sleep(0.3)  # anything (wrongly) started in the background would show by now
    assert snapshot(bot.engine) == before
    assert len(bot.slack.calls()) == calls_before  # nothing was said to anyone


def replies(bot) -> list[str]:
    return [c.params.get("text", "") for c in bot.slack.calls("response_url")]


def test_people_acting_outside_their_rights_are_refused_and_nothing_changes(bot):
    before = snapshot(bot.engine)
    south_tm, south_worker = uid(bot, "south_tm"), uid(bot, "south_worker")
    worker = uid(bot, "north_worker")

    # Administrators' commands, tried by a practitioner and a manager.
    for who in (worker, south_tm):
        for text in ("select 2027-01", "explain <@U0X|x> 2026-12"):
            answer = bot.command(who, text)
            assert "can use `/audit" in answer.text and "Nothing has been changed" in answer.text
    assert "can use `/audit status`" in bot.command(worker, "status").text

    # Another manager's forms, submitted with the north manager's form and metadata.
    booking = bot.submit(
        south_tm,
        bot.booking_form,
        fill(bot.booking_form, {"date": "2026-12-16", "time": "10:00", "duration": "60"}),
    )
    assert "Only the team manager" in json.dumps(booking.json)
    redraw_view = {
        "type": "modal",
        "callback_id": "selection.redraw",
        "private_metadata": bot.booking_form["private_metadata"],
        "blocks": [],
    }
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "I want another case."}}}
    assert "Only the team manager" in json.dumps(bot.submit(south_tm, redraw_view, reason).json)
    contact_view = {
        "type": "modal",
        "callback_id": "engagement.submit",
        "private_metadata": bot.booking_form["private_metadata"],
        "blocks": [],
    }
    not_appropriate = {
        "choice": {
            "choice": {"type": "radio_buttons", "selected_option": {"value": "not_appropriate"}}
        },
        "reason": {"reason": {"type": "plain_text_input", "value": "Not needed, says I."}},
    }
    contact = bot.submit(south_tm, contact_view, not_appropriate)
    assert "Only the team manager" in json.dumps(contact.json)

    # Someone else's buttons: the practitioner's answer, the manager's cancel and re-draw.
    asked = len(replies(bot))
    bot.click(south_worker, bot.invite, "booking.can")
    bot.click(worker, bot.selection_dm, "selection.request_redraw")
    bot.click(south_tm, bot.selection_dm, "booking.open")
    bot.click("U0STRANGER", bot.invite, "booking.can")
    assert bot.slack.wait_for(lambda: len(replies(bot)) == asked + 4)
    refusals = replies(bot)[asked:]
    assert sum("Only the practitioner" in r for r in refusals) == 1
    assert sum("Only the team manager" in r for r in refusals) == 2
    assert sum("don't recognise you" in r for r in refusals) == 1

    # Another manager's TAC checkpoint.
    bot.post(
        slash_command_body(
            "/supervision",
            f"<@{worker}|pat>",
            user_id=uid(bot, "north_tm"),
            response_url=bot.slack.response_url("x"),
        )
    )
    assert bot.slack.wait_for(lambda: views(bot, "tac.checkpoint"))
    checkpoint = views(bot, "tac.checkpoint")[-1]
    started = snapshot(bot.engine)
    case_block = next(
        b["block_id"] for b in checkpoint["blocks"] if "decision-" in b.get("block_id", "")
    )
    answers = {
        "held_on": "2026-11-27",
        case_block: "not_needed",
        case_block.replace("decision", "reason"): "Reviewed recently; the plan is on track.",
    }
    refused = bot.submit(south_tm, checkpoint, fill(checkpoint, answers))
    assert refused.json["response_action"] == "errors"
    assert snapshot(bot.engine) == started

    started["tacsupervision"] = before["tacsupervision"]
    started["auditlogentry"] = before["auditlogentry"]
    assert started == before  # nothing but the north manager's own checkpoint draft


MALFORMED = {
    "a payload that is not JSON": ("application/x-www-form-urlencoded", "payload=%7Bnot"),
    "a JSON body that is not JSON": ("application/json", "{not json"),
    "a payload that is JSON but no object": (
        "application/x-www-form-urlencoded",
        "payload=%5B1%5D",
    ),
    "no payload and no command": ("application/x-www-form-urlencoded", "x=1"),
    "bytes that are not text": ("application/x-www-form-urlencoded", "payload=%FF%FE"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_body_is_400_when_signed_401_when_not_and_never_500(bot, name):
    content_type, body = MALFORMED[name]
    before = snapshot(bot.engine)
    signed = {**sign(SECRET, body), "Content-Type": content_type}
    assert bot.post(body, signed).status == 400
    unsigned = {"Content-Type": content_type}
    assert bot.post(body, unsigned).status == 401
    forged = {**sign("not-the-signing-secret", body), "Content-Type": content_type}
    assert bot.post(body, forged).status == 401
    assert snapshot(bot.engine) == before


@pytest.mark.parametrize("stamp", ["yesterday", "", "1e9", " 12", "12a", "-1"])
def test_a_timestamp_that_is_not_a_number_is_401_signed_or_not(bot, stamp):
    body = genuine_bodies(bot)["command"]
    before = snapshot(bot.engine)
    signature = sign(SECRET, body)["X-Slack-Signature"]
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    assert bot.post(body, headers).status == 401
    assert bot.post("payload=%7Bnot", headers).status == 401
    assert snapshot(bot.engine) == before
