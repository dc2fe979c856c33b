"""Queue Slack writes in the outbox, in the same transaction as the change they report.

Each row has a priority (models.statuses.Priority): what a safeguarding alert needs is queued
urgent by the code that raises it; what the person whose request is being carried out will see
of it goes as an answer (the unit of work says whose request it is: `answering`); everything
else is routine. The sender takes urgent rows first, then answers, then routine ones."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, and_, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, col, select

from bot.core.cover import Route, covering_note, route_dm
from models import HomeTabViewer, OutboxMessage, Staff
from models.db import defer_insert, insert_deferred, transaction_memo
from models.statuses import OutboxStatus, Priority


def queue_dm(
    session: Session,
    *,
    key: str,
    recipient: Staff,
    message: dict[str, Any],
    concern: str,
    now: datetime,
    priority: Priority | None = None,
) -> None:
    """Queue a direct message to a member of staff (or their cover, while they are away: see
    bot/core/cover.py); the channel is resolved when it is sent."""
    route = route_dm(session, recipient, now)
    _queue(
        session,
        idempotency_key=key,
        method="chat.postMessage",
        **_addressed(route),
        payload=_marked_message(route, message),
        concern=concern,
        now=now,
        priority=priority,
    )


FILE_UPLOAD = "files.uploadV2"


def queue_file_dm(
    session: Session,
    *,
    key: str,
    recipient: Staff,
    filename: str,
    title: str,
    content: str,
    comment: str,
    concern: str,
    now: datetime,
    priority: Priority | None = None,
) -> None:
    """Queue a file (e.g. a CSV) to a member of staff's DM, with a comment."""
    route = route_dm(session, recipient, now)
    _queue(
        session,
        idempotency_key=key,
        method=FILE_UPLOAD,
        **_addressed(route),
        payload={
            "filename": filename,
            "title": title,
            "content": content,
            "initial_comment": _marked_comment(route, comment),
        },
        concern=concern,
        now=now,
        priority=priority,
    )


def queue_files_dm(
    session: Session,
    *,
    key: str,
    recipient: Staff,
    files: dict[str, str | bytes],
    comment: str,
    concern: str,
    now: datetime,
    priority: Priority | None = None,
) -> None:
    """Queue several files (file name → text or bytes; at most 10, Slack's limit) to a member of
    staff's DM as one message with a comment. Bytes are kept base64-encoded in the outbox."""
    if not 0 < len(files) <= MAX_FILES_PER_UPLOAD:
        raise ValueError(f"one upload takes 1 to {MAX_FILES_PER_UPLOAD} files, not {len(files)}")
    route = route_dm(session, recipient, now)
    _queue(
        session,
        idempotency_key=key,
        method=FILE_UPLOAD,
        **_addressed(route),
        payload={
            "files": [_file_item(name, content) for name, content in files.items()],
            "initial_comment": _marked_comment(route, comment),
        },
        concern=concern,
        now=now,
        priority=priority,
    )


MAX_FILES_PER_UPLOAD = 10
MAX_BLOCKS = 50  # Slack's limit for a message
WITHHELD = OutboxStatus.WITHHELD  # for someone away with nobody to cover: never sent


def _addressed(route: Route) -> dict[str, Any]:
    """The outbox columns naming who gets a DM; a withheld DM keeps its key, so it is not
    queued again when its work is re-run after the person is back."""
    person = route.recipient or route.intended
    values = {"recipient_staff_id": person.id, "channel": person.slack_user_id}
    return values if route.recipient is not None else {**values, "status": WITHHELD}


def _marked_message(route: Route, message: dict[str, Any]) -> dict[str, Any]:
    if not route.covering:
        return message
    note = covering_note(route)
    marked = {**message, "text": f"{note} {message.get('text', '')}".strip()}
    blocks = message.get("blocks")
    if blocks and len(blocks) < MAX_BLOCKS:
        marked["blocks"] = [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{note}_"}]},
            *blocks,
        ]
    return marked


def _marked_comment(route: Route, comment: str) -> str:
    return f"{covering_note(route)}\n{comment}" if route.covering else comment


def _file_item(name: str, content: str | bytes) -> dict[str, str]:
    if isinstance(content, bytes):
        return {"filename": name, "content_base64": base64.b64encode(content).decode("ascii")}
    return {"filename": name, "content": content}


def queue_channel_post(
    session: Session,
    *,
    key: str,
    channel: str,
    message: dict[str, Any],
    concern: str,
    now: datetime,
) -> None:
    _defer(
        session,
        idempotency_key=key,
        method="chat.postMessage",
        recipient_staff_id=None,
        channel=channel,
        payload=message,
        concern=concern,
        now=now,
    )


def queue_update(
    session: Session,
    *,
    key: str,
    update_of: str,
    message: dict[str, Any],
    concern: str,
    now: datetime,
    priority: Priority | None = None,
) -> None:
    """Queue a chat.update of the message queued under the key `update_of`, so a conversation
    reads as one thread of state. The sender waits until that message has been delivered; when
    no such message was ever queued there is nothing to update and nothing is queued.

    The update carries the message's whole new state, so it supersedes the updates of that
    message still waiting: they are withdrawn. Otherwise an older routine update could be sent
    after a newer, more urgent one and put the message back in its older state."""
    original = select(
        OutboxMessage.id, OutboxMessage.recipient_staff_id, OutboxMessage.removed_from_slack_at
    ).where(OutboxMessage.idempotency_key == update_of)
    found = session.exec(original).first()
    if found is None:
        return
    queued = found[2] is None and _insert(  # a message removed from Slack is not updated
        session,
        idempotency_key=key,
        method="chat.update",
        recipient_staff_id=None,
        channel=None,
        payload={**message, "update_of": update_of},
        concern=concern,
        now=now,
        priority=_priority(session, found[1], priority),
    )
    if queued:
        _withdraw_older_updates(session, update_of, newer=key)
    if found[1] is not None:  # the updated message is a DM: its reader's state changed
        queue_home_refresh(session, found[1], change=key, now=now)


_pending_update = and_(  # an update not yet sent, nor being sent
    OutboxMessage.method == "chat.update",
    OutboxMessage.status == OutboxStatus.PENDING,
    col(OutboxMessage.claimed_until).is_(None),
)


def _withdraw_older_updates(session: Session, update_of: str, *, newer: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            _pending_update,
            OutboxMessage.payload["update_of"].as_string() == update_of,
            OutboxMessage.idempotency_key != newer,
        )
        .values(status=OutboxStatus.WITHDRAWN)
    )


# -- removing the bot's old messages and files from Slack (bot/privacy/slack_cleanup.py) ---------

MESSAGE_DELETE = "chat.delete"
FILE_DELETE = "files.delete"


def queue_message_deletion(
    session: Session, *, key: str, channel: str, ts: str, concern: str, now: datetime
) -> None:
    """Queue the deletion of a message the bot posted (where Slack put it: channel and ts)."""
    _queue_removal(
        session, key, MESSAGE_DELETE, channel, {"channel": channel, "ts": ts}, concern, now
    )


def queue_file_deletion(
    session: Session, *, key: str, channel: str, file_id: str, concern: str, now: datetime
) -> None:
    """Queue the deletion of a file the bot uploaded to `channel`, with the message that shared
    it there (its comment)."""
    _queue_removal(session, key, FILE_DELETE, channel, {"file": file_id}, concern, now)


def _queue_removal(
    session: Session,
    key: str,
    method: str,
    channel: str,
    payload: dict[str, str],
    concern: str,
    now: datetime,
) -> None:
    """After every DM: removals are housekeeping."""
    _defer(
        session,
        idempotency_key=key,
        priority=Priority.HOUSEKEEPING,
        method=method,
        recipient_staff_id=None,
        channel=channel,
        payload=payload,
        concern=concern,
        now=now,
    )


def withdraw_updates(session: Session, updates_of: list[str]) -> None:
    """Withdraw the pending updates of the messages queued under these keys (they are going)."""
    session.execute(
        update(OutboxMessage)
        .where(_pending_update, OutboxMessage.payload["update_of"].as_string().in_(updates_of))
        .values(status=OutboxStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )


def withdraw_pending(session: Session, concern: str) -> None:
    """Stop messages about something that no longer holds (e.g. a moved booking's reminder)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.concern == concern, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.WITHDRAWN)
    )


# -- the App Home tab ----------------------------------------------------------------------------

HOME_PUBLISH = "views.publish"


def queue_home_refresh(session: Session, staff_id: int, *, change: str, now: datetime) -> None:
    """Re-publish a person's Home tab after `change` (a key unique to the change, so a retried
    change publishes nothing more). Every change that concerns a person tells them by DM or
    updates a DM of theirs, so the refresh hooks in here, for the recipient of every DM queued
    or updated, and in the audit log for the person who made the change (bot/core/auditlog.py).

    The view is rendered by the sender when it sends (bot/home/tab.py), from the database as it then
    stands, so one pending refresh covers every change made before it goes: no second one is
    queued while it waits. People who have never opened the Home tab are skipped; they get a
    fresh view when they open it."""
    if staff_id not in home_tab_viewers(session):
        return
    waiting = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.method == HOME_PUBLISH,
        OutboxMessage.recipient_staff_id == staff_id,
        col(OutboxMessage.claimed_by).is_(None),  # not being rendered right now
    )
    if session.exec(waiting).first() is not None:
        return
    _defer(
        session,
        idempotency_key=f"home:{staff_id}:{change}",
        method=HOME_PUBLISH,
        recipient_staff_id=staff_id,
        channel=None,
        payload={},
        concern=f"home:{staff_id}",
        now=now,
    )


HOME_TAB_VIEWERS = "home tab viewers"


def home_tab_viewers(session: Session) -> set[int]:
    """Who has opened the Home tab, read once per transaction (every DM asks); bot/home/tab.py,
    which records viewers, forgets it."""
    return transaction_memo(
        session,
        (HOME_TAB_VIEWERS,),
        lambda: set(session.exec(select(HomeTabViewer.staff_id)).all()),
    )


def queue_home_view(
    session: Session, *, key: str, slack_user_id: str, view: dict[str, Any], now: datetime
) -> None:
    """Publish a fixed Home tab to someone who is not on the staff list (so no refresh)."""
    _defer(
        session,
        idempotency_key=key,
        method=HOME_PUBLISH,
        recipient_staff_id=None,
        channel=slack_user_id,
        payload={"view": view},
        concern=f"home:{slack_user_id}",
        now=now,
    )


ANSWERING = "answering to"  # session.info: whose request the transaction carries out


def answering(session: Session, staff_id: int) -> None:
    """The transaction carries out this person's request: what it queues for them (a DM, the
    update of one of their DMs) is their answer, sent before routine traffic."""
    session.info[ANSWERING] = staff_id


def _priority(session: Session, recipient_id: int | None, asked: Priority | None) -> Priority:
    if asked is not None:
        return asked
    if recipient_id is not None and recipient_id == session.info.get(ANSWERING):
        return Priority.ANSWER
    return Priority.ROUTINE


def _queue(session: Session, *, priority: Priority | None = None, **values: Any) -> None:
    recipient = values["recipient_staff_id"]
    _defer(session, priority=_priority(session, recipient, priority), **values)
    if recipient is not None:
        queue_home_refresh(session, recipient, change=values["idempotency_key"], now=values["now"])


def _row(*, priority: Priority = Priority.ROUTINE, now: datetime, **values: Any) -> dict:
    """An outbox row with every column the inserts name (one shape, so they can be batched)."""
    return {
        "status": OutboxStatus.PENDING,
        **values,
        "priority": int(priority),
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _insert(session: Session, priority: Priority = Priority.ROUTINE, **values: Any) -> bool:
    """Insert now, unless the idempotency key is already there (from a re-run or another
    instance); whether it was inserted. For the callers that need to know: the rest defer."""
    insert_deferred(session, OutboxMessage)  # keeps the rows in the order they were queued
    connection = session.connection()
    row = _row(priority=priority, **values)
    return connection.execute(_INSERT_NEW[connection.dialect.name], row).first() is not None


def _defer(session: Session, **values: Any) -> None:
    """Inserted in a batch with the others (models/db.py), each row still skipped when its key
    is there. Its body waits as JSON text: a fifth of the memory of the message's dicts, so a
    batch can hold a large job's messages."""
    row = _row(**values)
    waiting = {**row, "payload": json.dumps(row["payload"])}
    defer_insert(session, OutboxMessage, waiting, _INSERT_MANY[session.get_bind().dialect.name])


class _JsonText(TypeDecorator):
    """A JSON column's value given as its JSON text already (written as it is)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


def _insert_statement(insert: Any) -> Any:
    return insert(OutboxMessage.__table__).on_conflict_do_nothing(
        index_elements=["idempotency_key"]
    )


_DIALECTS = (("postgresql", pg_insert), ("sqlite", sqlite_insert))
_INSERT_MANY = {
    name: _insert_statement(insert).values(payload=bindparam("payload", type_=_JsonText()))
    for name, insert in _DIALECTS
}
_INSERT_NEW = {  # no row returned: the key was already there
    name: _insert_statement(insert).returning(OutboxMessage.__table__.c.id)
    for name, insert in _DIALECTS
}
