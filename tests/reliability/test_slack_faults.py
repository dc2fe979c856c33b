"""Reliability 1: Slack Web API faults during a selection-day fan-out of 200 DMs.

The real composition (Auditbot: the production WebClient with its retry handlers, and the
outbox sender) sends the monthly draw's DMs to the Slack stand-in, which injects faults part-way
through. Each test prints its counts (`pytest -s`) and asserts on them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.bootstrap import Auditbot
from bot.commands.audit_command import run_audit_command
from bot.core.config import Settings
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from bot.slack.client import CONNECTION_RETRIES, RATE_LIMIT_RETRIES, SERVER_ERROR_RETRIES
from models import OutboxMessage
from models.db import transaction
from tests.support.harness import Clock
from tests.support.reliability import (
    deliveries,
    large_authority,
    outbox_statuses,
    recorded_retry_sleeps,
    report,
)

pytestmark = pytest.mark.reliability

FAN_OUT = 200
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday: /audit select for December


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def services(engine, database_url, slack, clock):
    settings = Settings(
        database_url=database_url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url
    )
    return Auditbot(
        settings, Policy(), engine=engine, token="xoxb-test", clock=clock, per_channel_interval=0
    ).services


@pytest.fixture
def people(services):
    with transaction(services.make_session) as session:
        return large_authority(session, FAN_OUT)


def draw(services, people) -> None:
    """`/audit select 2026-12` by the administrator: one DM queued per manager."""
    reply = run_audit_command(services, people["admin"].slack_user_id, "select 2026-12").notice
    assert f"{FAN_OUT} cases drawn for {FAN_OUT} team managers" in json.dumps(reply)
    assert outbox_statuses(services.make_session) == {"pending": FAN_OUT}


def faults(slack) -> list[str]:
    return [c.fault for c in slack.calls("chat.postMessage") if c.fault]


def assert_each_dm_delivered_once(services, slack, people) -> None:
    delivered = deliveries(slack, services.make_session)
    assert delivered.twice_or_more() == {} and delivered.unmatched == 0
    assert len(delivered.per_key) == FAN_OUT
    managers = {m.slack_user_id for m in people["managers"]}
    posted = [c.params["channel"] for c in slack.calls("chat.postMessage") if c.fault is None]
    assert sorted(posted) == sorted(managers)
    assert outbox_statuses(services.make_session) == {"sent": FAN_OUT}


def test_a_429_mid_fan_out_waits_retry_after_and_delivers_every_dm_once(services, slack, people):
    draw(services, people)
    slack.fail_next("chat.postMessage", status=429, retry_after=1, after=FAN_OUT // 2)

    with recorded_retry_sleeps(really_sleep=True) as sleeps:
        result = services.sender.deliver_due()

    calls = slack.calls("chat.postMessage")
    limited = next(i for i, c in enumerate(calls) if c.fault)
    assert limited == FAN_OUT // 2  # the 101st call, half-way through
    assert calls[limited + 1].fault is None
    assert calls[limited + 1].params == calls[limited].params  # that DM, sent after the wait
    assert faults(slack) == ["http_429"]
    [waited] = sleeps.of("rate_limit")
    assert 1 <= waited <= 1.1  # the Retry-After header's second, and a little jitter
    assert (result.sent, result.failed, result.retried) == (FAN_OUT, 0, 0)
    assert_each_dm_delivered_once(services, slack, people)
    delivered = deliveries(slack, services.make_session)
    assert delivered.sent == FAN_OUT and delivered.duplicates == 0
    report(
        "429 Retry-After: 1 during a 200-DM fan-out",
        sent=delivered.sent,
        duplicates=delivered.duplicates,
        retries=len(faults(slack)),
        waited_s=round(waited, 2),
    )


def test_a_429_longer_than_the_clients_patience_reschedules_after_retry_after(
    services, slack, people, clock
):
    """Slack keeps answering 429 (Retry-After: 90): the client gives up after its own retries
    and the outbox row waits the 90 seconds, not the usual 30 second backoff."""
    draw(services, people)
    slack.fail_next(
        "chat.postMessage", status=429, retry_after=90, times=RATE_LIMIT_RETRIES + 1, after=50
    )

    with recorded_retry_sleeps() as sleeps:
        first = services.sender.deliver_due()
        assert (first.sent, first.failed, first.retried) == (FAN_OUT - 1, 0, 1)
        assert len(sleeps.of("rate_limit")) == RATE_LIMIT_RETRIES
        assert all(90 <= s <= 99 for s in sleeps.of("rate_limit"))  # Retry-After, +10% at most
        with services.make_session() as session:
            waiting = session.exec(
                select(OutboxMessage).where(OutboxMessage.status == "pending")
            ).one()
        assert waiting.next_attempt_at == NOW + timedelta(seconds=90)
        assert waiting.attempts == 1 and "ratelimited" in waiting.last_error

        clock.now = NOW + timedelta(seconds=89)
        assert services.sender.deliver_due().sent == 0
        clock.now = NOW + timedelta(seconds=90)
        assert services.sender.deliver_due().sent == 1

    assert_each_dm_delivered_once(services, slack, people)
    delivered = deliveries(slack, services.make_session)
    report(
        "429 Retry-After: 90 outlasting the client's retries",
        sent=delivered.sent,
        duplicates=delivered.duplicates,
        retries=len(faults(slack)),
        rescheduled=first.retried,
    )


def test_server_errors_and_connection_resets_are_retried_with_backoff(
    services, slack, people, clock
):
    draw(services, people)
    post = "chat.postMessage"
    slack.fail_next(post, status=500, after=30)  # one 500: the client retries it
    slack.reset_next(post, after=30)  # one reset: the client retries it
    slack.fail_next(post, status=503, times=SERVER_ERROR_RETRIES + 1, after=30)  # outlasts it
    slack.reset_next(post, times=CONNECTION_RETRIES + 1, after=30)  # outlasts it

    with recorded_retry_sleeps() as sleeps:
        first = services.sender.deliver_due()
        assert (first.sent, first.failed, first.retried) == (FAN_OUT - 2, 0, 2)
        # The client's pauses grow: 0.5s then 1s (plus up to 1s of jitter) per retry.
        backoff = sleeps.of("backoff")
        floors = [0.5, 0.5, 0.5, 1.0, 0.5, 1.0]
        assert len(backoff) == len(floors)
        assert all(floor <= s < floor + 1 for s, floor in zip(backoff, floors, strict=True))

        # What still failed waits in the outbox: 30s, then 60s if it fails again.
        with services.make_session() as session:
            waiting = session.exec(
                select(OutboxMessage).where(OutboxMessage.status == "pending")
            ).all()
        assert [w.next_attempt_at for w in waiting] == [NOW + timedelta(seconds=30)] * 2
        assert sorted(w.last_error.split(":")[0] for w in waiting) == [
            "RemoteDisconnected",
            "slack",
        ]
        clock.now = NOW + timedelta(seconds=29)
        assert services.sender.deliver_due().sent == 0
        clock.now = NOW + timedelta(seconds=30)
        slack.fail_next(post, status=500, times=SERVER_ERROR_RETRIES + 1)
        second = services.sender.deliver_due()
        assert (second.sent, second.retried) == (1, 1)
        with services.make_session() as session:
            again = session.exec(
                select(OutboxMessage).where(OutboxMessage.status == "pending")
            ).one()
        assert again.attempts == 2 and again.next_attempt_at == clock.now + timedelta(seconds=60)
        clock.now += timedelta(seconds=60)
        assert services.sender.deliver_due().sent == 1

    assert_each_dm_delivered_once(services, slack, people)
    delivered = deliveries(slack, services.make_session)
    report(
        "500s, 503s and connection resets during a 200-DM fan-out",
        sent=delivered.sent,
        duplicates=delivered.duplicates,
        client_retries=len(sleeps.of("backoff")),
        outbox_retries=first.retried + second.retried,
        failed_calls=len(faults(slack)),
    )


PERMANENT = ["channel_not_found", "user_not_found", "account_inactive", "not_in_channel"]


def test_permanent_errors_fail_once_are_shown_to_administrators_and_block_nothing(
    services, slack, people, clock
):
    draw(services, people)
    for code in PERMANENT:
        slack.fail_next("chat.postMessage", error=code, after=40)

    result = services.sender.deliver_due()

    assert (result.sent, result.failed, result.retried) == (FAN_OUT - 4, 4, 0)
    assert faults(slack) == [f"error:{code}" for code in PERMANENT]  # each tried once only
    with services.make_session() as session:
        failed = session.exec(select(OutboxMessage).where(OutboxMessage.status == "failed")).all()
    assert sorted(f.last_error for f in failed) == sorted(PERMANENT)
    assert all(f.attempts == 1 and f.claimed_by is None for f in failed)
    assert outbox_statuses(services.make_session) == {"sent": FAN_OUT - 4, "failed": 4}

    clock.now = NOW + timedelta(days=1)  # never tried again
    assert services.sender.deliver_due().sent == 0
    assert len(slack.calls("chat.postMessage")) == FAN_OUT

    status = json.dumps(run_audit_command(services, people["admin"].slack_user_id, "status").notice)
    assert "Messages that could not be delivered* (latest 4)" in status
    failed_managers = {f.recipient_staff_id for f in failed}
    for manager in people["managers"]:
        assert (manager.email in status) == (manager.id in failed_managers)
    for code in PERMANENT:
        assert code in status
    manager_view = json.dumps(
        run_audit_command(services, people["managers"][0].slack_user_id, "status").notice
    )
    assert "could not be delivered" not in manager_view  # administrators' business only

    delivered = deliveries(slack, services.make_session)
    assert delivered.duplicates == 0 and len(delivered.per_key) == FAN_OUT - 4
    report(
        "permanent Slack errors during a 200-DM fan-out",
        sent=delivered.sent,
        duplicates=delivered.duplicates,
        failed=result.failed,
        retries=0,
    )
