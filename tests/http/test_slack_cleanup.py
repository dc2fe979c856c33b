"""Auditbot's own old DMs and files leave Slack (issue 24, part 2), through the signed HTTP
endpoint: a discussion booked by the team manager puts DMs and calendar invitations naming the
case in both people's DMs; a tick long after `retention.slack_message_days` deletes every one of
them from the Slack stand-in, and says so in its summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy
from models import OutboxMessage
from models.statuses import OutboxStatus
from scheduler.jobs import run_due_work
from tests.http.test_booking import FRIDAY, book, uid
from tests.http.test_booking_invitation import wait_for_invitations
from tests.support import factories
from tests.support.harness import Clock

pytestmark = pytest.mark.integration

POLICY = Policy.model_validate({"retention": {"slack_message_days": 30}})
LATER = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)  # months after the December audit


def uploaded_files(bot, user_id: str) -> list[str]:
    """The ids of the files uploaded to the person's DM."""
    return [
        item["id"]
        for call in bot.slack.calls("files.completeUploadExternal")
        if call.params.get("channel_id") == "D" + user_id[1:] and (call.response or {}).get("ok")
        for item in call.params["files"]
    ]


def test_a_booked_discussions_dms_and_invitations_leave_slack_after_the_period(start_bot):
    clock = Clock(FRIDAY)
    bot = start_bot(clock, policy=POLICY, people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    book(bot, place="Room 2")
    wait_for_invitations(bot, 1)
    people = [uid(bot, "north_tm"), uid(bot, "north_worker")]
    held = {user: bot.slack.messages_held(user) for user in people}
    files = {user: uploaded_files(bot, user) for user in people}
    for user in people:
        assert any("CR-" in message["text"] for message in held[user]), user  # names the case
        assert files[user] and all(bot.slack.holds_file(f) for f in files[user]), user
    assert bot.slack.wait_for(lambda: not _pending(bot))  # everything of December delivered

    clock.now = LATER
    report = run_due_work(bot.services, LATER)

    posted = sum(1 for user in people for message in held[user] if not message.get("files"))
    assert report.retention and report.retention["slack_files"] >= 2
    assert report.retention["slack_messages"] >= posted  # theirs, and the admin's and others'
    assert "from Slack" in report.summary()

    def all_gone() -> bool:
        return not any(
            bot.slack.holds_message(message_channel(user), message["ts"])
            for user in people
            for message in held[user]
        ) and not any(bot.slack.holds_file(f) for user in people for f in files[user])

    assert bot.slack.wait_for(all_gone), {
        user: [m["text"] for m in bot.slack.messages_held(user)] for user in people
    }


def message_channel(user_id: str) -> str:
    return "D" + user_id[1:]


def _pending(bot) -> bool:
    with bot.services.make_session() as session:
        waiting = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
        return session.exec(waiting).first() is not None
