"""Auditbot's own old DMs and files leave Slack (issue 24, part 2): at fixed `now`s, ticks before
`retention.slack_message_days` remove nothing; the first sweep after it deletes each DM and each
file (with the message that shared it) from the Slack stand-in once, through the outbox; later
ticks queue nothing more; the team channel's digest stays; the tick's summary counts them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import col, select

from bot.core.outbox import queue_channel_post, queue_dm, queue_files_dm, queue_update
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from models import OutboxMessage, Staff
from models.db import transaction
from models.statuses import OutboxStatus
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.ticking import ticking_services

DAYS = 30
SENT = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)  # a Wednesday
BEFORE = datetime(2027, 4, 8, 10, 0, tzinfo=UTC)  # 29 days on: that day's sweep runs at 02:00
AFTER = datetime(2027, 4, 10, 2, 0, tzinfo=UTC)  # 03:00 in London: the day's sweep, 30 days on
UPDATED = datetime(2027, 3, 30, 10, 0, tzinfo=UTC)  # Pat's DM is updated
POLICY = Policy.model_validate({"retention": {"slack_message_days": DAYS}})


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def services(engine, database_url, slack):
    """Services whose clock (and so the sender's) reads the `now` given to `tick`."""
    return ticking_services(engine, database_url, slack, POLICY, SENT)


def tick(services, now: datetime):
    services.moment[0] = now
    return run_due_work(services, now)


@pytest.fixture
def people(make_session):
    with transaction(make_session) as session:
        north = factories.team(session, "North")
        nina = factories.person(session, "Nina North", "team_manager", north)
        pat = factories.person(session, "Pat Worker", "practitioner", north, nina)
        return {"nina": nina.id, "pat": pat.id, "channel": north.channel_id}


def queue(make_session, now: datetime, write) -> None:
    with transaction(make_session) as session:
        write(session)


def sent(make_session, key: str) -> OutboxMessage:
    with make_session() as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def removals(make_session) -> list[OutboxMessage]:
    with make_session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.idempotency_key).startswith("slack-removal:"))
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def send_the_month(services, make_session, people) -> None:
    """A DM to Nina, two files to her (one upload, one comment naming a case), the team
    channel's digest, and a DM to Pat."""

    def write(session):
        nina, pat = session.get(Staff, people["nina"]), session.get(Staff, people["pat"])
        queue_dm(
            session, key="dm:nina", recipient=nina, message={"text": "CR-77 is yours"},
            concern="selection:1", now=SENT,
        )  # fmt: skip
        queue_files_dm(
            session, key="files:nina", recipient=nina,
            files={"CR-77.ics": "BEGIN:VCALENDAR", "register.csv": "CR-77,impact"},
            comment="The audit discussion about CR-77", concern="booking:1", now=SENT,
        )  # fmt: skip
        queue_channel_post(
            session, key="digest:north", channel=people["channel"],
            message={"text": "North: 3 audits due"}, concern="digest", now=SENT,
        )  # fmt: skip
        queue_dm(
            session, key="dm:pat", recipient=pat, message={"text": "CR-77: your discussion"},
            concern="booking:1", now=SENT,
        )  # fmt: skip

    queue(make_session, SENT, write)
    tick(services, SENT)


def test_old_dms_and_files_leave_slack_once_and_the_digest_stays(
    services, make_session, people, slack
):
    send_the_month(services, make_session, people)
    dm, upload, digest = (sent(make_session, k) for k in ("dm:nina", "files:nina", "digest:north"))
    assert dm.status == upload.status == digest.status == OutboxStatus.SENT
    assert upload.slack_file_ids and len(upload.slack_file_ids) == 2  # recorded on sending
    files = list(upload.slack_file_ids)
    share = [m for m in slack.messages_held(dm.slack_channel) if m.get("files")]
    assert len(share) == 1 and "CR-77" in share[0]["text"]  # the upload's comment names the case
    assert all(slack.holds_file(file_id) for file_id in files)
    assert slack.holds_message(dm.slack_channel, dm.slack_ts)
    assert slack.holds_message(digest.slack_channel, digest.slack_ts)

    # Pat's DM is updated twenty days later: it last changed then.
    queue(
        make_session,
        UPDATED,
        lambda session: queue_update(
            session,
            key="dm:pat:update",
            update_of="dm:pat",
            message={"text": "CR-77: discussion held"},
            concern="booking:1",
            now=UPDATED,
        ),  # fmt: skip
    )
    tick(services, UPDATED)
    pat_dm = sent(make_session, "dm:pat")
    assert slack.messages_held(pat_dm.slack_channel)[0]["text"] == "CR-77: discussion held"

    before = tick(services, BEFORE)
    assert "from Slack" not in before.summary()
    assert removals(make_session) == []

    after = tick(services, AFTER)
    assert after.retention is not None
    assert after.retention["slack_messages"] == 1 and after.retention["slack_files"] == 2
    assert "1 message(s) and 2 file(s) from Slack" in after.summary()
    assert not slack.holds_message(dm.slack_channel, dm.slack_ts)
    assert not any(slack.holds_file(file_id) for file_id in files)
    assert not any(m.get("files") for m in slack.messages_held(dm.slack_channel))
    assert slack.messages_held(dm.slack_channel) == []  # nothing of Nina's is left in Slack
    assert slack.holds_message(digest.slack_channel, digest.slack_ts)  # counts only: stays
    assert slack.holds_message(pat_dm.slack_channel, pat_dm.slack_ts)  # changed 20 days later
    done = removals(make_session)
    assert sorted(row.method for row in done) == ["chat.delete", "files.delete", "files.delete"]
    assert all(row.status == OutboxStatus.SENT for row in done)
    assert sent(make_session, "dm:nina").removed_from_slack_at == AFTER
    deletes = len(slack.calls("chat.delete")) + len(slack.calls("files.delete"))

    # Later ticks, the same day and the next, queue nothing more for what has gone.
    again = tick(services, AFTER + timedelta(hours=6))
    next_day = tick(services, AFTER + timedelta(days=1))
    assert "from Slack" not in again.summary() and "from Slack" not in next_day.summary()
    assert len(removals(make_session)) == 3
    assert len(slack.calls("chat.delete")) + len(slack.calls("files.delete")) == deletes

    # Pat's DM goes once it has been quiet for the period.
    last = tick(services, datetime(2027, 4, 30, 2, 0, tzinfo=UTC))
    assert "1 message(s) and 0 file(s) from Slack" in last.summary()
    assert not slack.holds_message(pat_dm.slack_channel, pat_dm.slack_ts)
    assert slack.holds_message(digest.slack_channel, digest.slack_ts)


def test_a_removed_dm_is_never_updated_and_its_pending_update_is_withdrawn(
    services, make_session, people, slack
):
    send_the_month(services, make_session, people)
    at = AFTER

    def update_and_sweep(session):
        # An update queued (not yet sent) just before the sweep: withdrawn with its message.
        queue_update(
            session, key="dm:nina:update", update_of="dm:nina", message={"text": "CR-77 done"},
            concern="selection:1", now=at,
        )  # fmt: skip

    queue(make_session, at, update_and_sweep)
    tick(services, at)
    assert sent(make_session, "dm:nina:update").status == OutboxStatus.WITHDRAWN
    assert slack.calls("chat.update") == []

    queue(
        make_session,
        at,
        lambda session: queue_update(
            session,
            key="dm:nina:later",
            update_of="dm:nina",
            message={"text": "CR-77 again"},
            concern="selection:1",
            now=at,
        ),  # fmt: skip
    )
    with make_session() as session:
        assert session.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "dm:nina:later")
        ).first() is None  # fmt: skip
    tick(services, at + timedelta(hours=1))
    assert slack.calls("chat.update") == []


def test_a_message_or_file_slack_no_longer_has_is_done_and_a_refusal_fails_once(
    services, make_session, people, slack
):
    send_the_month(services, make_session, people)
    dm, pat_dm = sent(make_session, "dm:nina"), sent(make_session, "dm:pat")
    upload = sent(make_session, "files:nina")
    # Nina's DM and one file are already gone from Slack (deleted there by hand).
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    client.chat_delete(channel=dm.slack_channel, ts=dm.slack_ts)
    client.files_delete(file=upload.slack_file_ids[0])
    slack.fail_next("chat.delete", error="cant_delete_message", after=2)  # Pat's DM: refused

    report = tick(services, AFTER)

    gone = sent(make_session, f"slack-removal:{dm.id}")
    assert gone.status == OutboxStatus.SENT and gone.last_error == "message_not_found"
    file_gone = sent(make_session, f"slack-removal:{upload.id}:{upload.slack_file_ids[0]}")
    assert file_gone.status == OutboxStatus.SENT and file_gone.last_error == "file_not_found"
    refused = sent(make_session, f"slack-removal:{pat_dm.id}")
    assert refused.status == OutboxStatus.FAILED and refused.attempts == 1
    assert refused.last_error == "cant_delete_message"
    assert refused.concern == "slack-removal:booking:1"  # shown in /audit status
    assert not slack.holds_file(upload.slack_file_ids[1])
    assert report.delivery.retried == 0

    tick(services, AFTER + timedelta(days=1))  # not retried, not queued again
    assert len(slack.calls("chat.delete")) == 4  # by hand, Nina's, the share, Pat's (refused)
