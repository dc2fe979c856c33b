"""Auditbot's own old DMs and files leave Slack: a step of the daily retention sweep.

What goes, `retention.slack_message_days` after it last changed:
- every direct message the bot posted (to a member of staff, or in a DM conversation): DMs name
  cases and can quote free text. It last changed when its last update was sent (an update
  lands on the same channel and ts), so a DM still in use stays.
- every file the bot uploaded (all go to DMs: calendar invitations, the QA briefing's files,
  the audit record, an import's problems), with the message that shared it, whose comment can
  name a case (the sender finds that message with files.info and deletes it first).

What stays: the team channels' weekly digests, which carry counts only (every test checks it:
tests/support/privacy.py) and are the team's record of its figures; the Home tab, which is
published afresh from the database; files uploaded before Slack's file ids were recorded
(migration 0019), which the workspace's own retention must reach.

Each removal is queued in the outbox (a chat.delete per message, a files.delete per file, under
the keys `slack-removal:<outbox id>` and `slack-removal:<outbox id>:<file id>`) and the
original row's `removed_from_slack_at` is set: it is queued once, its updates still pending are
withdrawn, and none is queued or sent after it (bot/core/outbox.py, bot/slack/sender.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.core.outbox import (
    FILE_UPLOAD,
    queue_file_deletion,
    queue_message_deletion,
    withdraw_updates,
)
from models import OutboxMessage
from models.statuses import OutboxStatus

POST = "chat.postMessage"
UPDATE = "chat.update"
# What the sweep's counts call them (RetentionRun.removed, the audit log, the tick's summary).
MESSAGES = "slack_messages"
FILES = "slack_files"
FROM_SLACK = (MESSAGES, FILES)
IN_LIST_BATCH = 1000  # well under SQLite's limit of bound parameters in one statement


def remove_old_messages_from_slack(session: Session, now: datetime, days: int) -> dict[str, int]:
    """Queue the removal from Slack of the DMs and files that last changed `days` before `now`;
    how many messages and files were queued."""
    cutoff = now - timedelta(days=days)
    counts = {MESSAGES: 0, FILES: 0}
    removed: list[OutboxMessage] = []
    for row in session.exec(_expired(), params={"cutoff": cutoff}).all():
        # Where Slack put it: the query takes only rows with a channel (and a ts or file ids).
        # Each is taken once (its removed_from_slack_at is set below), so each key is new.
        channel, concern = str(row.slack_channel), f"slack-removal:{row.concern}"
        if row.method == FILE_UPLOAD:
            for file_id in row.slack_file_ids or []:
                queue_file_deletion(
                    session,
                    key=f"slack-removal:{row.id}:{file_id}",
                    channel=channel,
                    file_id=file_id,
                    concern=concern,
                    now=now,
                )
                counts[FILES] += 1
        else:
            queue_message_deletion(
                session,
                key=f"slack-removal:{row.id}",
                channel=channel,
                ts=str(row.slack_ts),
                concern=concern,
                now=now,
            )
            counts[MESSAGES] += 1
        removed.append(row)
    for start in range(0, len(removed), IN_LIST_BATCH):  # a first sweep may take thousands
        some = removed[start : start + IN_LIST_BATCH]
        posts = [str(row.idempotency_key) for row in some if row.method != FILE_UPLOAD]
        if posts:
            withdraw_updates(session, posts)
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([row.id for row in some]))
            .values(removed_from_slack_at=now)
            .execution_options(synchronize_session=False)
        )
    return counts


def describe_removed_from_slack(removed: dict[str, int]) -> str | None:
    """The tick summary's words for what the sweep queued for removal from Slack."""
    messages, files = removed.get(MESSAGES, 0), removed.get(FILES, 0)
    if not messages and not files:
        return None
    return f"{messages} message(s) and {files} file(s) from Slack"


@cache
def _expired() -> SelectOfScalar[OutboxMessage]:
    """The bot's DMs and uploads still in Slack that last changed before the `cutoff`
    parameter (built once: the sweep asks every day)."""
    cutoff = bindparam("cutoff")
    later = aliased(OutboxMessage)
    changed_since = exists().where(
        later.method == UPDATE,
        later.status == OutboxStatus.SENT,
        later.slack_channel == OutboxMessage.slack_channel,
        later.slack_ts == OutboxMessage.slack_ts,
        col(later.sent_at) >= cutoff,
    )
    a_dm = and_(
        OutboxMessage.method == POST,
        col(OutboxMessage.slack_ts).is_not(None),
        or_(
            col(OutboxMessage.recipient_staff_id).is_not(None),
            col(OutboxMessage.slack_channel).startswith("D"),
        ),
        ~changed_since,
    )
    an_upload = and_(
        OutboxMessage.method == FILE_UPLOAD, col(OutboxMessage.slack_file_ids).is_not(None)
    )
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENT,
            col(OutboxMessage.removed_from_slack_at).is_(None),
            col(OutboxMessage.slack_channel).is_not(None),
            col(OutboxMessage.sent_at) < cutoff,
            or_(a_dm, an_upload),
        )
        .order_by(col(OutboxMessage.id))
    )
