"""The outbox sender and the Slack directory against the stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlmodel import col, func, select

from bot.core.outbox import queue_channel_post, queue_dm, queue_update
from bot.demo.slack_standin import SlackStandIn
from bot.slack.client import build_web_client
from bot.slack.directory import ResolveReport, resolve_slack_ids
from bot.slack.sender import REREAD_SECONDS, DeliveryReport, OutboxSender
from models import OutboxMessage, Staff
from models.db import SessionFactory, transaction
from models.statuses import Priority
from tests.conftest import FIXED_NOW

SECRET_TEXT = "Case CR-1234 audit is due"
CHANNEL_TEXT = "3 audits are due this week"


def pending_count(make_session: SessionFactory) -> int:
    with make_session() as session:
        return session.exec(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        ).one()


def failed_deliveries(make_session: SessionFactory) -> list[OutboxMessage]:
    with make_session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.status == "failed")
                .order_by(col(OutboxMessage.id))
            ).all()
        )


class FakeClock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(slack: SlackStandIn) -> WebClient:
    return build_web_client(
        "xoxb-test", slack.api_url, retry_interval=FixedValueRetryIntervalCalculator(0)
    )


def make_sender(
    make_session: SessionFactory,
    slack: SlackStandIn,
    clock: FakeClock,
    instance_id: str = "sender-1",
    **options: Any,
) -> OutboxSender:
    options.setdefault("per_channel_interval", 0)
    return OutboxSender(make_session, make_client(slack), clock, instance_id=instance_id, **options)


def add_staff(
    make_session: SessionFactory, email: str, slack_user_id: str | None = None, **fields: Any
) -> int:
    with transaction(make_session) as session:
        staff = Staff(
            email=email,
            name=email.split("@")[0],
            roles="practitioner",
            slack_user_id=slack_user_id,
            **fields,
        )
        session.add(staff)
        session.flush()
        assert staff.id is not None
        return staff.id


def dm(make_session: SessionFactory, staff_id: int, key: str, text: str = SECRET_TEXT) -> None:
    with transaction(make_session) as session:
        recipient = session.get(Staff, staff_id)
        assert recipient is not None
        queue_dm(
            session,
            key=key,
            recipient=recipient,
            message={
                "text": text,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            },
            concern=f"concern:{key}",
            now=FIXED_NOW,
        )


def post(make_session: SessionFactory, channel: str, key: str, text: str = CHANNEL_TEXT) -> None:
    with transaction(make_session) as session:
        queue_channel_post(
            session,
            key=key,
            channel=channel,
            message={"text": text},
            concern=f"concern:{key}",
            now=FIXED_NOW,
        )


def row(make_session: SessionFactory, key: str) -> OutboxMessage:
    with make_session() as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def staff(make_session: SessionFactory, staff_id: int) -> Staff:
    with make_session() as session:
        found = session.get(Staff, staff_id)
        assert found is not None
        return found


def set_claim(make_session: SessionFactory, key: str, by: str, until: datetime) -> None:
    with transaction(make_session) as session:
        message = session.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()
        message.claimed_by = by
        message.claimed_until = until
        session.add(message)


# -- delivery ------------------------------------------------------------------------------------


def test_delivers_queued_messages_once_and_marks_them_sent(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    tm = add_staff(make_session, "tm@example.org", "U0TM")
    sw = add_staff(make_session, "sw@example.org", "U0SW")
    dm(make_session, tm, "nudge:tm")
    dm(make_session, sw, "nudge:sw")
    post(make_session, "C0TEAM", "digest:team")
    sender = make_sender(make_session, slack, clock)

    assert sender.deliver_due() == DeliveryReport(sent=3)

    assert [m["text"] for m in slack.messages_to("U0TM")] == [SECRET_TEXT]
    assert slack.messages_to("U0TM")[0]["blocks"][0]["type"] == "section"
    assert len(slack.messages_to("U0SW")) == 1
    assert len(slack.messages_to("C0TEAM")) == 1
    sent = row(make_session, "nudge:tm")
    assert sent.status == "sent"
    assert sent.sent_at == FIXED_NOW
    assert sent.slack_channel == "D0TM"
    assert sent.slack_ts == "1700000000.000100"
    assert sent.claimed_by is None and sent.claimed_until is None
    assert row(make_session, "digest:team").slack_channel == "C0TEAM"
    assert pending_count(make_session) == 0

    # Re-running, now or later, sends nothing more; queueing the same key again is a no-op.
    dm(make_session, tm, "nudge:tm")
    assert sender.deliver_due() == DeliveryReport()
    clock.advance(hours=2)
    assert make_sender(make_session, slack, clock, "sender-2").deliver_due() == DeliveryReport()
    assert len(slack.calls("chat.postMessage")) == 3


def test_slack_ts_is_stored(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "a")
    post(make_session, "C1", "b")
    make_sender(make_session, slack, clock).deliver_due()

    assert row(make_session, "a").slack_ts == "1700000000.000100"
    assert row(make_session, "b").slack_ts == "1700000000.000200"


def test_rows_not_yet_due_wait(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "later")
    clock.advance(seconds=-1)

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport()
    assert slack.calls() == []
    assert pending_count(make_session) == 1


def test_chat_update_rows_use_their_payload(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    with transaction(make_session) as session:
        session.add(
            OutboxMessage(
                idempotency_key="update:1",
                method="chat.update",
                payload={"channel": "C1", "ts": "1700000000.000900", "text": "Booked"},
                concern="selection:1",
                next_attempt_at=FIXED_NOW,
                created_at=FIXED_NOW,
            )
        )

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=1)
    [call] = slack.calls("chat.update")
    assert call.params == {"channel": "C1", "ts": "1700000000.000900", "text": "Booked"}
    assert row(make_session, "update:1").slack_ts == "1700000000.000900"


def test_429_with_retry_after_is_delivered_once(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    # The only test that waits: the client's 429 handler sleeps for Retry-After (1s) plus jitter.
    post(make_session, "C1", "k")
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=1)
    assert [c.fault for c in slack.calls("chat.postMessage")] == ["http_429", None]
    assert len(slack.messages_to("C1")) == 1
    assert row(make_session, "k").status == "sent"


def test_server_error_then_success_is_delivered(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    slack.fail_next("chat.postMessage", status=500)

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=1)
    assert [c.fault for c in slack.calls("chat.postMessage")] == ["http_500", None]
    assert row(make_session, "k").attempts == 0


def test_connection_reset_is_retried_by_the_client(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    slack.reset_next("chat.postMessage")

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=1)
    assert [c.fault for c in slack.calls("chat.postMessage")] == ["reset", None]


def test_lasting_connection_trouble_reschedules_the_row(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    post(make_session, "C2", "other")
    slack.reset_next("chat.postMessage", times=3)  # more than the client's own retries
    sender = make_sender(make_session, slack, clock)

    assert sender.deliver_due() == DeliveryReport(sent=1, retried=1)
    waiting = row(make_session, "k")
    assert waiting.status == "pending"
    assert waiting.attempts == 1
    assert waiting.next_attempt_at == FIXED_NOW + timedelta(seconds=30)
    assert waiting.claimed_by is None and waiting.claimed_until is None
    assert waiting.last_error and "RemoteDisconnected" in waiting.last_error
    assert row(make_session, "other").status == "sent"

    assert sender.deliver_due() == DeliveryReport()  # not due yet
    clock.advance(seconds=30)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert len(slack.messages_to("C1")) == 1
    assert row(make_session, "k").status == "sent"


def test_transient_errors_back_off_then_fail(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    slack.fail_next("chat.postMessage", error="service_unavailable", times=10)
    sender = make_sender(make_session, slack, clock, max_attempts=4)

    delays = []
    for _ in range(3):
        assert sender.deliver_due() == DeliveryReport(retried=1)
        waiting = row(make_session, "k")
        delays.append(waiting.next_attempt_at - clock.now)
        clock.now = waiting.next_attempt_at
    assert delays == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]

    assert sender.deliver_due() == DeliveryReport(failed=1)
    failed = row(make_session, "k")
    assert failed.status == "failed"
    assert failed.attempts == 4
    assert failed.last_error == "gave up after 4 attempts: slack: service_unavailable"
    assert [m.idempotency_key for m in failed_deliveries(make_session)] == ["k"]


def test_backoff_is_capped_at_an_hour(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    with transaction(make_session) as session:
        message = session.exec(select(OutboxMessage)).one()
        message.attempts = 10
        session.add(message)
    slack.fail_next("chat.postMessage", error="fatal_error")

    assert make_sender(make_session, slack, clock, max_attempts=20).deliver_due().retried == 1
    assert row(make_session, "k").next_attempt_at == FIXED_NOW + timedelta(hours=1)


def test_permanent_error_fails_the_row_and_others_are_still_sent(
    make_session: SessionFactory,
    slack: SlackStandIn,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    post(make_session, "C0GONE", "digest:gone")
    post(make_session, "C1", "digest:one")
    post(make_session, "C2", "digest:two")
    slack.fail_next("chat.postMessage", error="channel_not_found")

    with caplog.at_level(logging.WARNING, logger="bot.slack.sender"):
        report = make_sender(make_session, slack, clock).deliver_due()

    assert report == DeliveryReport(sent=2, failed=1)
    failed = row(make_session, "digest:gone")
    assert failed.status == "failed"
    assert failed.last_error == "channel_not_found"
    assert failed.claimed_by is None
    assert row(make_session, "digest:one").status == "sent"
    assert row(make_session, "digest:two").status == "sent"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    logged = warnings[0].getMessage()
    assert "concern:digest:gone" in logged
    assert "digest:gone" in logged
    assert "channel_not_found" in logged
    assert CHANNEL_TEXT not in caplog.text
    assert [m.idempotency_key for m in failed_deliveries(make_session)] == ["digest:gone"]
    # A failed row is not tried again.
    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport()


def test_unexpected_exception_never_loses_the_row(
    make_session: SessionFactory,
    slack: SlackStandIn,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    post(make_session, "C1", "k")
    post(make_session, "C2", "other")
    sender = make_sender(make_session, slack, clock)
    real_api_call = sender._client.api_call
    calls = iter([RuntimeError("boom")])

    def flaky_api_call(method: str, **kwargs: Any) -> Any:
        error = next(calls, None)
        if error is not None:
            raise error
        return real_api_call(method, **kwargs)

    monkeypatch.setattr(sender._client, "api_call", flaky_api_call)

    assert sender.deliver_due() == DeliveryReport(sent=1, retried=1)
    assert row(make_session, "k").last_error == "RuntimeError: boom"
    clock.advance(seconds=30)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert len(slack.messages_to("C1")) == 1


def test_crash_after_sending_resends_once_after_the_lease(
    make_session: SessionFactory,
    slack: SlackStandIn,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sent, but the row could not be marked sent (as if the sender died): one duplicate."""
    post(make_session, "C1", "k")
    crashing = make_sender(make_session, slack, clock, "crashing")

    def database_gone(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(crashing, "_mark_sent", database_gone)
    assert crashing.deliver_due() == DeliveryReport()
    assert row(make_session, "k").claimed_by == "crashing"

    other = make_sender(make_session, slack, clock, "other")
    assert other.deliver_due() == DeliveryReport()  # the lease still holds
    clock.advance(minutes=2, seconds=1)
    assert other.deliver_due() == DeliveryReport(sent=1)
    assert other.deliver_due() == DeliveryReport()
    assert len(slack.messages_to("C1")) == 2
    assert row(make_session, "k").status == "sent"


# -- resolving recipients --------------------------------------------------------------------------


def test_recipient_without_slack_id_is_looked_up_and_stored(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    sw = add_staff(make_session, "sw@example.org")
    dm(make_session, sw, "nudge:sw")
    slack.add_user("sw@example.org", "U0SW")

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=1)

    assert len(slack.messages_to("U0SW")) == 1
    stored = staff(make_session, sw)
    assert stored.slack_user_id == "U0SW"
    assert stored.slack_lookup == "found"
    assert stored.slack_lookup_at == FIXED_NOW
    assert row(make_session, "nudge:sw").slack_channel == "D0SW"

    # The next message uses the stored id without asking Slack again.
    dm(make_session, sw, "nudge:sw:2")
    make_sender(make_session, slack, clock).deliver_due()
    assert len(slack.calls("users.lookupByEmail")) == 1
    assert len(slack.messages_to("U0SW")) == 2


def test_recipient_not_on_slack_fails(
    make_session: SessionFactory,
    slack: SlackStandIn,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sw = add_staff(make_session, "sw@example.org")
    dm(make_session, sw, "nudge:sw")

    with caplog.at_level(logging.WARNING, logger="bot.slack.sender"):
        assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(failed=1)

    failed = row(make_session, "nudge:sw")
    assert failed.status == "failed"
    assert failed.last_error == "not on Slack: sw@example.org"
    assert staff(make_session, sw).slack_lookup == "not_found"
    assert slack.calls("chat.postMessage") == []
    assert "concern:nudge:sw" in caplog.text


def test_lookup_trouble_retries_the_row(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    sw = add_staff(make_session, "sw@example.org")
    dm(make_session, sw, "nudge:sw")
    slack.add_user("sw@example.org", "U0SW")
    slack.fail_next("users.lookupByEmail", error="internal_error")
    sender = make_sender(make_session, slack, clock)

    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert staff(make_session, sw).slack_lookup is None
    clock.advance(seconds=30)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert len(slack.messages_to("U0SW")) == 1


def test_resolve_slack_ids_caches_answers(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    found = add_staff(make_session, "tm@example.org")
    missing = add_staff(make_session, "new@example.org")
    add_staff(make_session, "known@example.org", "U0KNOWN")
    add_staff(make_session, "left@example.org", status="left")
    slack.add_user("tm@example.org", "U0TM")
    client = make_client(slack)

    report = resolve_slack_ids(make_session, client, now=clock())

    assert report == ResolveReport(found=1, not_found=["new@example.org"])
    assert [c.params["email"] for c in slack.calls("users.lookupByEmail")] == [
        "tm@example.org",
        "new@example.org",
    ]
    assert staff(make_session, found).slack_user_id == "U0TM"
    assert staff(make_session, missing).slack_lookup == "not_found"
    assert staff(make_session, missing).slack_lookup_at == FIXED_NOW

    # Within a day the "not found" answer is trusted; after a day the person is asked about again.
    slack.add_user("new@example.org", "U0NEW")
    clock.advance(hours=23)
    assert resolve_slack_ids(make_session, client, now=clock()) == ResolveReport()
    clock.advance(hours=2)
    assert resolve_slack_ids(make_session, client, now=clock()) == ResolveReport(found=1)
    assert staff(make_session, missing).slack_user_id == "U0NEW"
    assert len(slack.calls("users.lookupByEmail")) == 3


def test_resolve_slack_ids_leaves_other_errors_for_next_time(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    first = add_staff(make_session, "a@example.org")
    second = add_staff(make_session, "b@example.org")
    slack.add_user("a@example.org", "U0A")
    slack.add_user("b@example.org", "U0B")
    slack.fail_next("users.lookupByEmail", error="ratelimited")
    client = make_client(slack)

    assert resolve_slack_ids(make_session, client, now=clock()) == ResolveReport(found=1)
    assert staff(make_session, first).slack_lookup is None
    assert staff(make_session, second).slack_user_id == "U0B"
    assert resolve_slack_ids(make_session, client, now=clock()) == ResolveReport(found=1)
    assert staff(make_session, first).slack_user_id == "U0A"


# -- several senders -------------------------------------------------------------------------------


def test_row_claimed_by_a_dead_sender_is_sent_exactly_once(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    set_claim(make_session, "k", "dead-sender", FIXED_NOW - timedelta(seconds=1))
    sender = make_sender(make_session, slack, clock)

    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert sender.deliver_due() == DeliveryReport()
    assert len(slack.messages_to("C1")) == 1
    assert row(make_session, "k").claimed_by is None


def test_row_with_a_valid_lease_elsewhere_is_skipped(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    post(make_session, "C1", "k")
    post(make_session, "C2", "free")
    set_claim(make_session, "k", "other-sender", FIXED_NOW + timedelta(minutes=1))
    sender = make_sender(make_session, slack, clock)

    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert slack.messages_to("C1") == []
    held = row(make_session, "k")
    assert held.status == "pending"
    assert held.claimed_by == "other-sender"

    clock.advance(minutes=1, seconds=1)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert len(slack.messages_to("C1")) == 1


def test_two_senders_in_threads_send_each_row_exactly_once(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    channels = [f"C{n:03d}" for n in range(50)]
    for channel in channels:
        post(make_session, channel, f"digest:{channel}")
    senders = [
        make_sender(make_session, slack, clock, f"sender-{n}", batch_size=10) for n in (1, 2)
    ]
    reports: list[DeliveryReport] = []
    start = threading.Barrier(len(senders))

    def run(sender: OutboxSender) -> None:
        start.wait()
        reports.append(sender.deliver_due())

    threads = [threading.Thread(target=run, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(reports) == 2
    assert sum(r.sent for r in reports) == 50
    assert sum(r.failed + r.retried for r in reports) == 0
    posted = [c.params["channel"] for c in slack.calls("chat.postMessage")]
    assert sorted(posted) == channels
    assert pending_count(make_session) == 0


# -- pacing ----------------------------------------------------------------------------------------


def test_per_channel_interval_sleeps_between_writes_to_one_channel(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    tm = add_staff(make_session, "tm@example.org", "U0TM")
    post(make_session, "C1", "a")
    post(make_session, "C2", "b")
    post(make_session, "C1", "c")
    dm(make_session, tm, "d")
    post(make_session, "D0TM", "e")  # the same conversation as the DM to U0TM
    sleeps: list[float] = []
    sender = make_sender(
        make_session,
        slack,
        clock,
        sleep=sleeps.append,
        per_channel_interval=1.0,
        monotonic=lambda: clock.now.timestamp(),
    )

    assert sender.deliver_due() == DeliveryReport(sent=5)
    assert sleeps == [1.0, 1.0]

    # Time that has passed since the last write counts towards the interval.
    post(make_session, "C1", "f")
    clock.advance(seconds=0.25)
    sender.deliver_due()
    assert sleeps == [1.0, 1.0, 0.75]
    post(make_session, "C1", "g")
    clock.advance(seconds=5)
    sender.deliver_due()
    assert sleeps == [1.0, 1.0, 0.75]


def test_pending_count_and_failed_deliveries(make_session: SessionFactory) -> None:
    assert pending_count(make_session) == 0
    assert failed_deliveries(make_session) == []
    post(make_session, "C1", "a")
    post(make_session, "C1", "b")
    assert pending_count(make_session) == 2


# -- priorities: safeguarding alerts never wait behind routine traffic ---------------------------


def queue_dm_at(make_session: SessionFactory, user: str, key: str, priority: Priority) -> None:
    """A DM to `user` whose text is its key, queued at `priority` (as the alert code and the unit
    of work queue theirs)."""
    staff_id = add_staff(make_session, f"{user.lower()}@example.org", user)
    with transaction(make_session) as session:
        queue_dm(
            session,
            key=key,
            recipient=session.get(Staff, staff_id),
            message={"text": key},
            concern=key,
            now=FIXED_NOW,
            priority=priority,
        )


def delivered_texts(slack: SlackStandIn) -> list[str]:
    return [call.params["text"] for call in slack.calls("chat.postMessage") if call.fault is None]


def test_urgent_rows_go_first_then_answers_then_routine_ones(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    queue_dm_at(make_session, "U01", "routine", Priority.ROUTINE)
    queue_dm_at(make_session, "U02", "answer", Priority.ANSWER)
    queue_dm_at(make_session, "U03", "urgent", Priority.URGENT)
    queue_dm_at(make_session, "U04", "routine, later", Priority.ROUTINE)

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=4)
    assert delivered_texts(slack) == ["urgent", "answer", "routine", "routine, later"]


def test_pacing_one_channel_holds_back_no_other(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    for channel, key in (("C1", "a"), ("C1", "b"), ("C2", "c"), ("C3", "d")):
        post(make_session, channel, key, text=key)
    sleeps: list[float] = []
    sender = make_sender(
        make_session,
        slack,
        clock,
        sleep=sleeps.append,
        per_channel_interval=1.0,
        monotonic=lambda: clock.now.timestamp(),
    )

    sender.deliver_due()

    # C1's second message waits its second while C2 and C3 are written to; only then it sleeps.
    assert delivered_texts(slack) == ["a", "c", "d", "b"]
    assert sleeps == [1.0]


def test_an_urgent_update_of_a_message_not_yet_sent_waits_for_it_without_a_retry(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    """An update can outrank the message it updates: it goes right after it, in the same pass,
    not half a minute later as a failed attempt."""
    queue_dm_at(make_session, "U01", "original", Priority.ROUTINE)
    with transaction(make_session) as session:
        queue_update(
            session,
            key="original:updated",
            update_of="original",
            message={"text": "updated"},
            concern="original",
            now=FIXED_NOW,
            priority=Priority.URGENT,
        )

    assert make_sender(make_session, slack, clock).deliver_due() == DeliveryReport(sent=2)
    assert delivered_texts(slack) == ["original"]
    [update] = slack.calls("chat.update")
    assert update.params["text"] == "updated"
    assert row(make_session, "original:updated").attempts == 0


class QueueingClient(WebClient):
    """A Slack client that, after its `after`th post, has an urgent row queued (an alert raised
    while the sender works through a long run of routine traffic) and half a second pass."""

    def __init__(self, hook: Any, after: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hook, self.after, self.posts = hook, after, 0

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        response = super().api_call(api_method, **kwargs)
        self.posts += 1
        if self.posts == self.after:
            self.hook()
        return response


def test_an_urgent_row_queued_during_a_run_of_routine_ones_goes_next(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    for index in range(20):
        queue_dm_at(make_session, f"U0{index:02}", f"routine {index}", Priority.ROUTINE)

    def alert_raised() -> None:
        queue_dm_at(make_session, "U099", "urgent", Priority.URGENT)
        clock.advance(seconds=REREAD_SECONDS)

    client = QueueingClient(alert_raised, 3, token="xoxb-test", base_url=slack.api_url)
    sender = OutboxSender(
        make_session,
        client,
        clock,
        instance_id="sender-1",
        per_channel_interval=0,
        monotonic=lambda: clock.now.timestamp(),
    )

    assert sender.deliver_due() == DeliveryReport(sent=21)
    texts = delivered_texts(slack)
    assert texts[:4] == ["routine 0", "routine 1", "routine 2", "urgent"]


def test_a_newer_update_of_a_message_supersedes_the_older_ones_still_waiting(
    make_session: SessionFactory, slack: SlackStandIn, clock: FakeClock
) -> None:
    """A routine update queued first and a more urgent one after it: only the newer state is
    sent, so the message never goes back to the older one. Queueing the older again (a retried
    request) brings nothing back."""
    queue_dm_at(make_session, "U01", "original", Priority.ROUTINE)
    make_sender(make_session, slack, clock).deliver_due()

    def update_to(text: str, priority: Priority) -> None:
        with transaction(make_session) as session:
            queue_update(
                session,
                key=f"original:{text}",
                update_of="original",
                message={"text": text},
                concern="original",
                now=FIXED_NOW,
                priority=priority,
            )

    update_to("older", Priority.ROUTINE)
    update_to("newer", Priority.ANSWER)
    update_to("older", Priority.ROUTINE)

    make_sender(make_session, slack, clock).deliver_due()
    assert [call.params["text"] for call in slack.calls("chat.update")] == ["newer"]
    assert row(make_session, "original:older").status == "withdrawn"
