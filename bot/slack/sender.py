"""The outbox sender: delivers queued Slack writes once each, however many senders run.

Each row is claimed with an atomic compare-and-set UPDATE that takes a lease (`claimed_by`,
`claimed_until`), committed before Slack is called; another sender skips a row while its lease
is valid. No database transaction is held open while Slack is being called. A sender that dies
after Slack accepted a message but before the row was marked sent leaves the lease to expire,
and the row is then sent again: at most one duplicate per crash, never a lost message.
Leases are read on the wall clock (`lease_clock`), even when the sender's `clock` is a
chosen moment (`auditbot tick --now`), so senders on different clocks still respect them.

Retries: slack_sdk's handlers (see `bot.slack.client`) first retry 429s, connection errors and
500/503s within one call. What still fails is rescheduled here with exponential backoff (30s,
60s, 120s … capped at 1h) until `max_attempts`; permanent Slack errors fail the row at once.
Logs name the row's concern and idempotency key, never the message text.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.core.outbox import FILE_DELETE, FILE_UPLOAD, HOME_PUBLISH, MESSAGE_DELETE
from bot.slack.client import PERMANENT_ERRORS
from bot.slack.directory import lookup_one
from models import OutboxMessage, Staff
from models.db import SessionFactory, transaction
from models.statuses import OutboxStatus

# Renders a person's Home tab (staff id, now) from the database as it stands; None when they
# are no longer on the staff list. Injected by the composition root (bot/home/tab.py).
HomeRenderer = Callable[[Session, int, datetime], dict[str, Any] | None]

log = logging.getLogger(__name__)

FIRST_RETRY_DELAY = timedelta(seconds=30)
# How stale the sender's list of due rows may get before it reads it again: the most an
# urgent row queued during a long run of routine ones waits, beyond the message in flight.
REREAD_SECONDS = 0.5
MAX_RETRY_DELAY = timedelta(hours=1)
_MAX_ERROR_LENGTH = 500
# An outbox method that is not one Web API call: payload {filename, content, title,
# initial_comment}, or {files: [{filename, content or content_base64}], initial_comment} for
# several files in one message, sent to the row's channel (a user id means their DM) with
# files_upload_v2. files.delete also deletes the messages that shared the file (see
# `_delete_file`).

# Answers to a deletion that mean it is done: the message or file is gone already.
ALREADY_GONE = frozenset({"message_not_found", "file_not_found", "file_deleted"})
# Answers no retry changes: Slack will not delete it (not the bot's own, compliance exports
# keep it, deletion turned off). The row fails for good and shows in /audit status.
CANNOT_DELETE = frozenset(
    {
        "cant_delete_message",
        "cant_delete_file",
        "compliance_exports_prevent_deletion",
        "delete_not_allowed",
        "file_deleting_disabled",
    }
)
DELETIONS = (MESSAGE_DELETE, FILE_DELETE)
# An update of a message no longer in Slack: no retry brings it back.
MESSAGE_GONE = "message_not_found"


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0


@dataclass(frozen=True)
class _Due:
    """A due row, and the conversation it goes to when known before sending (else None)."""

    id: int
    channel: str | None


@dataclass(frozen=True)
class _Row:
    """What the sender needs of an outbox row, read once after claiming it."""

    id: int
    idempotency_key: str
    method: str
    concern: str
    channel: str | None
    recipient_staff_id: int | None
    payload: dict[str, Any]
    attempts: int


_ROW_COLUMNS = [field.name for field in fields(_Row)]


class OutboxSender:
    def __init__(
        self,
        make_session: SessionFactory,
        client: WebClient,
        clock: Callable[[], datetime],
        *,
        instance_id: str,
        sleep: Callable[[float], None] = time.sleep,
        per_channel_interval: float = 1.0,
        max_per_second: float | None = None,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        batch_size: int = 100,
        lease_clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        render_home: HomeRenderer | None = None,
    ) -> None:
        self._render_home = render_home
        self._make_session = make_session
        self._client = client
        self._clock = clock
        # Leases are about live processes, so they run on the wall clock even when `clock` is
        # a chosen moment (`auditbot tick --now`): every sender must read leases alike.
        self._lease_clock = lease_clock or clock
        self.instance_id = instance_id
        self._sleep = sleep
        # Pacing is about real seconds between calls to Slack, never the business clock
        # (which stands still during `auditbot tick --now`).
        self._monotonic = monotonic
        self._per_channel_interval = per_channel_interval
        # At most `max_per_second` writes in all (None: no limit of our own). Slack also limits
        # posting workspace-wide: keeping under a known limit costs nothing, while every 429
        # from it costs a Retry-After of a second or more.
        self._write_interval = 1.0 / max_per_second if max_per_second else 0.0
        self._next_write = 0.0
        self._write_lock = threading.Lock()
        self._lease = lease
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        # Last write per channel, and the DM channel Slack answered for a user id.
        self._last_write: dict[str, float] = {}
        self._channel_alias: dict[str, str] = {}

    def deliver_due(self, stopping: Callable[[], bool] = lambda: False) -> DeliveryReport:
        """Send every row due now (or until `stopping` says so: the process is stopping),
        most urgent first, and return what happened.

        The due rows are read again at least every `REREAD_SECONDS`, so a row queued meanwhile
        (a safeguarding alert) goes next, ahead of routine rows queued before it. A row for a
        conversation written to less than `per_channel_interval` ago waits while rows for other
        conversations go: pacing one channel holds back no other. Each row is tried once a
        pass. A row that fails is rescheduled or marked failed; an unexpected error on one row
        is logged and leaves the row claimed until its lease expires, so it is never lost.
        """
        report = DeliveryReport()
        tried: set[int] = set()
        waiting: set[int] = set()  # updates whose message was not sent yet when tried
        sent_when_waiting = 0
        due: list[_Due] = []
        read_at = -math.inf
        while not stopping():
            if not due or self._monotonic() - read_at >= REREAD_SECONDS:
                if not due and waiting and report.sent > sent_when_waiting:
                    tried -= waiting  # their messages may have gone since: once more
                    waiting.clear()
                due = [row for row in self._due(self._clock()) if row.id not in tried]
                read_at = self._monotonic()
                if not due:
                    return report
            row = self._next_ready(due)
            due.remove(row)
            tried.add(row.id)
            try:
                if self._process(row.id, report) is _NOT_YET:
                    waiting.add(row.id)
                    sent_when_waiting = report.sent
            except Exception:
                log.exception(
                    "Outbox row %s: unexpected error; it will be retried when its lease ends",
                    row.id,
                )
        return report

    # -- claiming ------------------------------------------------------------------------------

    def _due(self, now: datetime) -> list[_Due]:
        """The first due rows, most urgent first, oldest first, each with the conversation it
        will be written to when that is known before sending (to pace it)."""
        with self._make_session() as session:
            rows = session.exec(
                select(
                    OutboxMessage.id,
                    OutboxMessage.method,
                    func.coalesce(OutboxMessage.channel, Staff.slack_user_id),
                )
                .outerjoin(Staff, col(Staff.id) == OutboxMessage.recipient_staff_id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    col(OutboxMessage.next_attempt_at) <= now,
                    _lease_free(self._lease_clock()),
                )
                .order_by(col(OutboxMessage.priority), col(OutboxMessage.id))
                .limit(self._batch_size)
            ).all()
        return [
            _Due(row_id, None if method == HOME_PUBLISH else channel)
            for row_id, method, channel in rows
        ]

    def _next_ready(self, due: list[_Due]) -> _Due:
        """The first row (in priority order) whose conversation may be written to now; when
        every one must wait, the one that waits least (`_process` paces it)."""
        ready = next((row for row in due if self._pace_wait(row.channel) == 0), None)
        return ready or min(due, key=lambda row: self._pace_wait(row.channel))

    def _claim(self, row_id: int, now: datetime) -> _Row | None:
        """Take the row's lease and read what sending it needs, in one statement; None when it
        was sent, rescheduled or claimed by another sender meanwhile."""
        lease_now = self._lease_clock()
        statement = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                col(OutboxMessage.next_attempt_at) <= now,
                _lease_free(lease_now),
            )
            .values(claimed_by=self.instance_id, claimed_until=lease_now + self._lease)
            .returning(*(getattr(OutboxMessage, name) for name in _ROW_COLUMNS))
        )
        with transaction(self._make_session) as session:
            claimed = session.connection().execute(statement).first()
        if claimed is None:
            return None
        return _Row(**{**claimed._asdict(), "payload": dict(claimed.payload or {})})

    # -- one row -------------------------------------------------------------------------------

    def _process(self, row_id: int, report: DeliveryReport) -> object | None:
        """Send one row; `_NOT_YET` when it is an update of a message not sent yet (a more
        urgent update can come before it): it waits, unclaimed and unpenalised, for that."""
        row = self._claim(row_id, self._clock())
        if row is None:
            return None
        if "update_of" in row.payload:
            target = self._update_target(row.payload["update_of"])
            if target is _NOT_YET:
                self._update(row, claimed_by=None, claimed_until=None)
                return _NOT_YET
            if isinstance(target, _NoChannel):
                self._fail(row, target.reason, report)
                return
            row = replace(row, payload=_without_key(row.payload, "update_of") | target)
        try:
            channel = self._resolve_channel(row)
        except Exception as exc:
            self._retry(row, _describe(exc), None, report)
            return
        if isinstance(channel, _NoChannel):
            self._fail(row, channel.reason, report)
            return

        payload = {**row.payload, "channel": channel}
        # Slack's one-write-a-second pacing is per conversation; a Home tab is none.
        paced = None if row.method == HOME_PUBLISH else channel
        self._pace(paced)
        slot = self._pace_overall()
        try:
            if row.method == FILE_UPLOAD:
                response = self._upload_file(channel, row.payload)
            elif row.method == FILE_DELETE:
                response = self._delete_file(row.payload["file"])
            elif row.method == HOME_PUBLISH:
                view = self._home_view(row)
                if view is None:
                    self._fail(row, "not on the staff list any more", report)
                    return
                response = self._client.api_call(
                    HOME_PUBLISH, json={"user_id": channel, "view": view}
                )
            else:
                response = self._client.api_call(row.method, json=payload)
        except SlackApiError as exc:
            self._note_write(paced, None)
            code = _error_code(exc)
            if row.method in DELETIONS and code in ALREADY_GONE:
                self._mark_sent(row, slack_channel=channel, slack_ts=None, last_error=code)
                report.sent += 1
            elif code in PERMANENT_ERRORS or code in CANNOT_DELETE or code == MESSAGE_GONE:
                self._fail(row, code, report)
            else:
                self._retry(row, f"slack: {code or _status_text(exc)}", _retry_after(exc), report)
            return
        except Exception as exc:
            self._note_write(paced, None)
            self._retry(row, _describe(exc), None, report)
            return
        finally:
            self._wrote(slot)
        answered_channel = response.get("channel")
        self._note_write(paced, answered_channel if isinstance(answered_channel, str) else None)
        ts = response.get("ts")
        self._mark_sent(
            row,
            slack_channel=str(answered_channel or channel),
            slack_ts=str(ts) if ts is not None else None,
            slack_file_ids=_file_ids(response) if row.method == FILE_UPLOAD else None,
        )
        report.sent += 1

    def _update_target(self, key: str) -> dict[str, str] | _NoChannel | object:
        """Where the message queued under `key` landed (channel and ts), once it is sent."""
        with self._make_session() as session:
            target = session.exec(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
            ).first()
        if target is None or target.status in (
            OutboxStatus.FAILED,
            OutboxStatus.WITHDRAWN,
            OutboxStatus.WITHHELD,
        ):
            return _NoChannel(f"the message to update ({key}) was never delivered")
        if target.removed_from_slack_at is not None:
            return _NoChannel(f"the message to update ({key}) was removed from Slack")
        if target.status != OutboxStatus.SENT or not target.slack_ts:
            return _NOT_YET
        return {"channel": target.slack_channel, "ts": target.slack_ts}

    def _home_view(self, row: _Row) -> dict[str, Any] | None:
        """A queued view as it is, or the person's Home tab rendered now (always the latest)."""
        if "view" in row.payload:
            return row.payload["view"]
        if self._render_home is None or row.recipient_staff_id is None:
            raise RuntimeError("no Home tab renderer for this sender")
        with self._make_session() as session:
            return self._render_home(session, row.recipient_staff_id, self._clock())

    def _upload_file(self, channel: str, payload: dict[str, Any]) -> Any:
        """Upload a file; a file for a person needs their DM's conversation id first."""
        if channel[:1] in ("U", "W"):
            channel = self._client.conversations_open(users=channel)["channel"]["id"]
        if "files" in payload:
            return self._client.files_upload_v2(
                channel=channel,
                file_uploads=[_file_upload(item) for item in payload["files"]],
                initial_comment=payload.get("initial_comment"),
            )
        return self._client.files_upload_v2(
            channel=channel,
            filename=payload["filename"],
            content=payload["content"],
            title=payload.get("title"),
            initial_comment=payload.get("initial_comment"),
        )

    def _delete_file(self, file_id: str) -> Any:
        """Delete a file the bot uploaded, after the messages that shared it: they carry the
        upload's comment, which may name a case. files.info lists them."""
        info = self._client.files_info(file=file_id)
        for channel, ts in _shares(info.get("file") or {}):
            try:
                self._client.chat_delete(channel=channel, ts=ts)
            except SlackApiError as exc:
                if _error_code(exc) not in ALREADY_GONE:
                    raise
        return self._client.files_delete(file=file_id)

    def _resolve_channel(self, row: _Row) -> str | _NoChannel:
        """The row's channel, else the recipient's Slack id, looked up by email if need be."""
        if row.channel:
            return row.channel
        if row.payload.get("channel"):
            return str(row.payload["channel"])
        if row.recipient_staff_id is None:
            return _NoChannel("no channel and no recipient")
        with transaction(self._make_session) as session:
            staff = session.get(Staff, row.recipient_staff_id)
            if staff is None:
                return _NoChannel(f"recipient {row.recipient_staff_id} not found")
            if staff.slack_user_id:
                return staff.slack_user_id
            user_id = lookup_one(session, self._client, staff, self._clock())
            if user_id is None:
                return _NoChannel(f"not on Slack: {staff.email}")
            return user_id

    # -- pacing --------------------------------------------------------------------------------

    def _pace(self, channel: str | None) -> None:
        """Keep to about one write per channel per `per_channel_interval` (Slack's limit)."""
        wait = self._pace_wait(channel)
        if wait > 0:
            self._sleep(wait)

    def _pace_wait(self, channel: str | None) -> float:
        """How long until `channel` may be written to again (0: now)."""
        if self._per_channel_interval <= 0 or channel is None:
            return 0.0
        last = self._last_write.get(self._channel_alias.get(channel, channel))
        if last is None:
            return 0.0
        elapsed = self._monotonic() - last
        return max(0.0, min(self._per_channel_interval, self._per_channel_interval - elapsed))

    def _pace_overall(self) -> float:
        """Space all writes `1 / max_per_second` apart: wait for this write's slot."""
        if not self._write_interval:
            return 0.0
        with self._write_lock:
            now = time.monotonic()
            slot = max(now, self._next_write)
            self._next_write = slot + self._write_interval
        if slot > now:
            self._sleep(slot - now)
        return slot

    def _wrote(self, slot: float) -> None:
        """A write that outlasted its slot (the client retried it, e.g. after a 429) moves the
        next slot: its last attempt is the call Slack counted."""
        if self._write_interval and time.monotonic() - slot > self._write_interval:
            with self._write_lock:
                self._next_write = max(self._next_write, time.monotonic() + self._write_interval)

    def _note_write(self, channel: str | None, answered_channel: str | None) -> None:
        if channel is None:
            return
        if answered_channel and answered_channel != channel:
            self._channel_alias[channel] = answered_channel
        key = self._channel_alias.get(channel, channel)
        self._last_write[key] = self._monotonic()

    # -- outcomes ------------------------------------------------------------------------------

    def _mark_sent(
        self,
        row: _Row,
        *,
        slack_channel: str,
        slack_ts: str | None,
        slack_file_ids: list[str] | None = None,
        last_error: str | None = None,
    ) -> None:
        """Sent (or, for a deletion, done: `last_error` then says it was gone already)."""
        self._update(
            row,
            mine_only=False,  # sent by us: record it even if our lease ran out meanwhile
            status=OutboxStatus.SENT,
            sent_at=self._clock(),
            slack_channel=slack_channel,
            slack_ts=slack_ts,
            claimed_by=None,
            claimed_until=None,
            **({"slack_file_ids": slack_file_ids} if slack_file_ids else {}),
            **({"last_error": last_error} if last_error else {}),
        )

    def _fail(self, row: _Row, error: str, report: DeliveryReport) -> None:
        self._update(
            row,
            status=OutboxStatus.FAILED,
            attempts=row.attempts + 1,
            last_error=error[:_MAX_ERROR_LENGTH],
            claimed_by=None,
            claimed_until=None,
        )
        report.failed += 1
        log.warning(
            "Outbox message failed for good (%s): concern=%s key=%s",
            _loggable(error),
            row.concern,
            row.idempotency_key,
        )

    def _retry(
        self, row: _Row, error: str, retry_after: float | None, report: DeliveryReport
    ) -> None:
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            self._fail(row, f"gave up after {attempts} attempts: {error}", report)
            return
        delay = min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), MAX_RETRY_DELAY)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        now = self._clock()
        self._update(
            row,
            attempts=attempts,
            next_attempt_at=now + delay,
            last_error=error[:_MAX_ERROR_LENGTH],
            claimed_by=None,
            claimed_until=None,
        )
        report.retried += 1
        log.info(
            "Outbox message will be retried in %ss (attempt %s): concern=%s key=%s error=%s",
            int(delay.total_seconds()),
            attempts,
            row.concern,
            row.idempotency_key,
            _loggable(error),
        )

    def _update(self, row: _Row, *, mine_only: bool = True, **values: Any) -> None:
        conditions = [
            col(OutboxMessage.id) == row.id,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        ]
        if mine_only:
            conditions.append(col(OutboxMessage.claimed_by) == self.instance_id)
        statement = (
            update(OutboxMessage)
            .where(*conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        with transaction(self._make_session) as session:
            if session.exec(statement).rowcount != 1:
                log.warning(
                    "Outbox row %s changed under this sender (lease lost?): concern=%s key=%s",
                    row.id,
                    row.concern,
                    row.idempotency_key,
                )


@dataclass(frozen=True)
class _NoChannel:
    reason: str


_NOT_YET = object()


def _without_key(payload: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in payload.items() if name != key}


def _lease_free(now: datetime) -> Any:
    return or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now)


def _error_code(exc: SlackApiError) -> str | None:
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return None


def _status_text(exc: SlackApiError) -> str:
    return f"HTTP {getattr(exc.response, 'status_code', '?')}"


def _retry_after(exc: SlackApiError) -> float | None:
    """Slack's Retry-After (seconds) when a 429 outlasted the client's own retries."""
    headers = getattr(exc.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
    return None


def _file_upload(item: dict[str, str]) -> dict[str, Any]:
    """One file of a several-file upload, its content decoded when it was stored as base64."""
    if "content_base64" in item:
        content: str | bytes = base64.b64decode(item["content_base64"])
    else:
        content = item["content"]
    return {"filename": item["filename"], "title": item["filename"], "content": content}


def _file_ids(response: Any) -> list[str] | None:
    """The ids of the files an upload put in Slack (files.completeUploadExternal's answer)."""
    files = response.get("files")
    ids = [str(item["id"]) for item in files or [] if isinstance(item, dict) and item.get("id")]
    return ids or None


def _shares(file: dict[str, Any]) -> list[tuple[str, str]]:
    """(channel, ts) of each message that shared a file, from files.info's `shares`."""
    found = []
    for by_channel in (file.get("shares") or {}).values():
        for channel, shares in (by_channel or {}).items():
            found.extend((channel, str(share["ts"])) for share in shares or [] if share.get("ts"))
    return found


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return f"slack: {_error_code(exc) or _status_text(exc)}"
    return f"{type(exc).__name__}: {exc}"


def _loggable(error: str) -> str:
    """The error's code, without details such as an email address."""
    return error.split(":", 1)[0] if error.startswith("not on Slack") else error
