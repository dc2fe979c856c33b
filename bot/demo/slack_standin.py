"""A local stand-in for the Slack Web API, for `auditbot demo` and the tests.

It is a small HTTP server on 127.0.0.1 that answers the Web API methods Auditbot uses, the way
slack_sdk's `WebClient` expects, and records every call. Point `SLACK_API_URL` (or a WebClient's
`base_url`) at `SlackStandIn.api_url`. Faults can be injected to test retries and failures::

    with SlackStandIn({"tm@example.org": "U0TM"}) as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        slack.fail_next("chat.postMessage", status=429, retry_after=1)
        client.chat_postMessage(channel="U0TM", text="hello")
        assert len(slack.messages_to("U0TM")) == 1

A fault can be placed later in a run of calls (``after=100``: the 101st call from now fails),
and `delay` makes every call of a method take longer (a slow Slack, for crash tests).

Recorded `Call.fault` values: ``"http_<status>"`` (an HTTP error status), ``"error:<code>"`` (an
`ok: false` answer), ``"reset"`` (connection closed without an answer), ``"rate_limited"`` (a
429 from `rate_limit`). Successful calls have ``fault=None``.

What the bot posted and uploaded is held until it deletes it (chat.delete, files.delete), so a
test can ask what Slack still holds: `holds_message`, `messages_held`, `holds_file`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Parameters Slack accepts as JSON text in a form body; they are recorded decoded.
_JSON_PARAMS = frozenset({"blocks", "view", "attachments", "files", "metadata"})
_FIRST_TS_SECONDS = 1_700_000_000


@dataclass
class Call:
    """One request the stand-in received, in arrival order."""

    method: str
    params: dict[str, Any]
    token: str | None = None
    fault: str | None = None
    response: dict[str, Any] | None = None  # what the stand-in answered, when it answered
    at: float = field(default_factory=time.time, compare=False)  # when it arrived


@dataclass
class _User:
    id: str
    email: str
    tz: str
    name: str


@dataclass
class _Fault:
    kind: str  # "http" | "error" | "reset"
    status: int = 200
    error: str | None = None
    retry_after: float | None = None


@dataclass
class _RateLimit:
    """At most `burst` calls in any `window` seconds. Slack counts calls per window and
    tolerates short bursts ("Posting messages: 1 per second, short bursts >1 allowed",
    api.slack.com/docs/rate-limits), so a window models it better than a fixed spacing."""

    burst: int
    window: float
    recent: deque[float] = field(default_factory=deque)

    @classmethod
    def per_second(cls, rate: float) -> _RateLimit:
        burst = max(1, int(rate))
        return cls(burst=burst, window=burst / rate)

    def wait(self, now: float) -> float:
        """Seconds until a call at `now` would be allowed (0: allowed, and counted)."""
        while self.recent and now - self.recent[0] >= self.window:
            self.recent.popleft()
        if len(self.recent) >= self.burst:
            return self.recent[0] + self.window - now
        self.recent.append(now)
        return 0.0


@dataclass
class _SharedFile:
    """A file a person gave Slack (shared in a DM or put in a form's file input)."""

    file_id: str
    name: str
    data: bytes
    user_id: str


@dataclass
class _Upload:
    file_id: str
    filename: str
    data: bytes | None = None
    params: dict[str, Any] = field(default_factory=dict)
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts) of its message


class SlackStandIn:
    """A fake Slack Web API on a local port; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        directory: Mapping[str, str] | None = None,
        *,
        team_id: str = "T0AUDITBOT",
        bot_user_id: str = "U0AUDITBOT",
        bot_id: str = "B0AUDITBOT",
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._users_by_email: dict[str, _User] = {}
        self._users_by_id: dict[str, _User] = {}
        # Queued per method; None lets one call through (the `after` of fail_next/reset_next).
        self._faults: dict[str, deque[_Fault | None]] = {}
        self._delays: dict[str, float] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        self._uploads: dict[str, _Upload] = {}
        self._files: dict[str, _SharedFile] = {}
        # What the bot posted (or shared a file with) and has not deleted, by (channel, ts).
        self._held: dict[tuple[str, str], dict[str, Any]] = {}
        self._deleted: set[tuple[str, str]] = set()
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for email, user_id in (directory or {}).items():
            self.add_user(email, user_id)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.standin = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, with its trailing slash (what SLACK_API_URL should be)."""
        return f"{self.base_url}/api/"

    def response_url(self, token: str) -> str:
        """A `response_url` as Slack puts in interaction payloads; posts to it are recorded."""
        return f"{self.base_url}/respond/{token}"

    # -- directory ---------------------------------------------------------------------------

    def add_user(
        self, email: str, user_id: str, tz: str = "Europe/London", name: str | None = None
    ) -> None:
        user = _User(id=user_id, email=email, tz=tz, name=name or email.split("@")[0])
        with self._lock:
            self._users_by_email[email.strip().lower()] = user
            self._users_by_id[user_id] = user

    # -- files people give Slack ---------------------------------------------------------------

    def add_file(self, name: str, data: bytes, *, user_id: str = "U0UPLOADER") -> dict[str, Any]:
        """Hold a file as Slack does once a person uploads it; return its file object as Slack
        puts it in events and form submissions (files.info answers the same, and its
        `url_private_download` serves the bytes to a request with a bot token)."""
        file_id = self._next_id("F")
        with self._lock:
            self._files[file_id] = _SharedFile(file_id, name, data, user_id)
        return self._file_json(self._files[file_id])

    def replace_file(self, file_id: str, data: bytes) -> None:
        """The file's bytes change (as if edited): a later download gets the new ones."""
        with self._lock:
            self._files[file_id].data = data

    def _file_json(self, shared: _SharedFile) -> dict[str, Any]:
        folder = f"{self.base_url}/files-pri/{self.team_id}-{shared.file_id}"
        return {
            "id": shared.file_id,
            "name": shared.name,
            "title": shared.name,
            "mimetype": "text/csv",
            "filetype": "csv",
            "user": shared.user_id,
            "size": len(shared.data),
            "url_private": f"{folder}/{quote(shared.name)}",
            "url_private_download": f"{folder}/download/{quote(shared.name)}",
        }

    # -- fault injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next `times` calls of `method` fail, after letting `after` calls through.

        With a status other than 200, answer that HTTP status (429 carries a `Retry-After`
        header, `retry_after` seconds or 1); with status 200, answer `{"ok": false, "error":
        error}`. Faults queue up in order across fail_next/reset_next; `after` counts every
        call of the method (a client's own retries too) from where the queue stands.
        """
        if status == 200 and not error:
            raise ValueError("fail_next needs an HTTP error status or a Slack error code")
        fault = _Fault(
            kind="error" if status == 200 else "http",
            status=status,
            error=error,
            retry_after=retry_after,
        )
        self._queue_faults(method, [fault] * times, after)

    def reset_next(self, method: str, times: int = 1, after: int = 0) -> None:
        """Close the connection of the next `times` calls of `method` without any answer (after
        letting `after` calls through, as in fail_next)."""
        self._queue_faults(method, [_Fault(kind="reset") for _ in range(times)], after)

    def _queue_faults(self, method: str, faults: list[_Fault], after: int) -> None:
        with self._lock:
            self._faults.setdefault(method, deque()).extend([None] * after + faults)

    def delay(self, method: str, seconds: float | None) -> None:
        """Hold every call of `method` this long before answering it (None: answer at once).

        The call is recorded, as delivered, only after the wait: a client that dies meanwhile
        still had its message accepted, as with a real Slack whose answer never arrived."""
        with self._lock:
            if seconds:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def rate_limit(self, method: str, per_second: float | None) -> None:
        """Answer 429 + Retry-After to calls of `method` beyond `per_second` (None: off)."""
        with self._lock:
            if per_second is None:
                self._rate_limits.pop(method, None)
            else:
                self._rate_limits[method] = _RateLimit.per_second(per_second)

    # -- queries -----------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages_to(self, channel_or_user: str) -> list[dict[str, Any]]:
        """Params of the successful chat.postMessage calls to that channel, user or DM."""
        targets = {channel_or_user, _dm_channel(channel_or_user)}
        if channel_or_user.startswith("D"):
            targets.update({"U" + channel_or_user[1:], "W" + channel_or_user[1:]})
        return [
            call.params
            for call in self.calls("chat.postMessage")
            if call.fault is None and call.params.get("channel") in targets
        ]

    def responses_to(self, response_url: str) -> list[dict[str, Any]]:
        """The messages posted to a `response_url` made by response_url(), oldest first."""
        token = response_url.rsplit("/", 1)[-1]
        return [
            {key: value for key, value in call.params.items() if key != "token"}
            for call in self.calls("response_url")
            if call.fault is None and call.token == token
        ]

    def homes_published(self, user_id: str) -> list[dict[str, Any]]:
        """The Home tab views published to a user (views.publish), oldest first."""
        return [
            call.params["view"]
            for call in self.calls("views.publish")
            if call.fault is None and call.params.get("user_id") == user_id
        ]

    def holds_message(self, channel: str, ts: str) -> bool:
        """Whether the bot's message is still in Slack (posted and not deleted)."""
        with self._lock:
            return (_dm_channel(channel), ts) in self._held

    def messages_held(self, channel_or_user: str) -> list[dict[str, Any]]:
        """The bot's messages still in a conversation (a user id means their DM), oldest first,
        file shares included (their text is the upload's comment)."""
        channel = _dm_channel(channel_or_user)
        with self._lock:
            return [dict(message) for (where, _), message in self._held.items() if where == channel]

    def holds_file(self, file_id: str) -> bool:
        """Whether a file the bot uploaded is still in Slack."""
        with self._lock:
            return file_id in self._uploads

    def uploaded_file(self, file_id: str) -> bytes | None:
        with self._lock:
            upload = self._uploads.get(file_id)
            return None if upload is None else upload.data

    def clear(self) -> None:
        """Forget the recorded calls, pending faults and rate limits (the directory stays)."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._delays.clear()
            self._rate_limits.clear()
            self._uploads.clear()
            self._files.clear()
            self._held.clear()
            self._deleted.clear()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll `predicate` until it is true or `timeout` seconds pass; return its last value."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    # -- request handling (called from the server threads) ------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if queue:
                fault = queue.popleft()
                if fault is not None:
                    return fault
            limit = self._rate_limits.get(method)
            wait = limit.wait(time.monotonic()) if limit is not None else 0.0
            if wait > 0:
                return _Fault(kind="rate", status=429, retry_after=wait)
            return None

    def _next_ts(self) -> str:
        micros = next(self._ts_counter) * 100
        return f"{_FIRST_TS_SECONDS + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):08d}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, params)

    def _user_json(self, user: _User) -> dict[str, Any]:
        try:
            offset = datetime.now(UTC).astimezone(ZoneInfo(user.tz)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):
            offset = None
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "real_name": user.name,
            "deleted": False,
            "is_bot": False,
            "tz": user.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {"email": user.email, "real_name": user.name, "display_name": user.name},
        }

    # Web API methods ---------------------------------------------------------------------------

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._message(params, ts)
        with self._lock:
            self._held[(_dm_channel(str(channel)), ts)] = message
        return {"ok": True, "channel": _dm_channel(str(channel)), "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        ts = str(params["ts"])
        where = (_dm_channel(str(params["channel"])), ts)
        message = self._message(params, ts)
        with self._lock:
            if where in self._deleted:
                return {"ok": False, "error": "message_not_found"}
            if where in self._held:
                self._held[where] = message
        return {
            "ok": True,
            "channel": str(params["channel"]),
            "ts": ts,
            "text": params.get("text", ""),
            "message": message,
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """Like Slack with a bot token: only a message the bot posted, once."""
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        where = (_dm_channel(str(params["channel"])), str(params.get("ts") or ""))
        with self._lock:
            if self._held.pop(where, None) is None:
                return {"ok": False, "error": "message_not_found"}
            self._deleted.add(where)
        return {"ok": True, "channel": str(params["channel"]), "ts": where[1]}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": ts,
            "text": params.get("text", ""),
        }
        if params.get("blocks") is not None:
            message["blocks"] = params["blocks"]
        return message

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email") or "").strip().lower()
        with self._lock:
            user = self._users_by_email.get(email)
        if user is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": self._user_json(user)}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            user = self._users_by_id.get(str(params.get("user") or ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user_json(user)}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": str(params["channel"])}}
        users = params.get("users") or ""
        ids = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
        if not ids:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(ids) == 1:
            return {"ok": True, "channel": {"id": _dm_channel(ids[0])}}
        return {"ok": True, "channel": {"id": self._next_id("G")}}

    def _views(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = params.get("view_id") or self._next_id("V")
        return {"ok": True, "view": {**view, "id": view_id, "team_id": self.team_id}}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://auditbot-standin.slack.com/",
            "team": "Auditbot stand-in",
            "user": "auditbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file") or "")
        with self._lock:
            shared = self._files.get(file_id)
            upload = self._uploads.get(file_id)
        if shared is not None:
            return {"ok": True, "file": self._file_json(shared)}
        if upload is not None and upload.data is not None:
            return {"ok": True, "file": _uploaded_file_json(upload)}
        return {"ok": False, "error": "file_not_found"}

    def _files_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """A file the bot uploaded; the message that shared it stays (the sender deletes it
        first, found by files.info). Unknown or deleted: file_not_found."""
        with self._lock:
            upload = self._uploads.pop(str(params.get("file") or ""), None)
        if upload is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        with self._lock:
            self._uploads[file_id] = _Upload(file_id, str(params["filename"]), params=params)
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        answered = []
        channel = params.get("channel_id")
        with self._lock:
            uploads = [self._uploads.get(str(item.get("id"))) for item in files]
            if any(upload is None or upload.data is None for upload in uploads):
                return {"ok": False, "error": "file_not_found"}
            for item, upload in zip(files, uploads, strict=True):
                assert upload is not None and upload.data is not None
                answered.append(
                    {
                        "id": upload.file_id,
                        "name": upload.filename,
                        "title": item.get("title") or upload.filename,
                        "size": len(upload.data),
                    }
                )
            if channel:  # shared with one message carrying the comment, as Slack does
                ts = self._next_ts()
                where = (_dm_channel(str(channel)), ts)
                self._held[where] = {
                    **self._message({"text": params.get("initial_comment") or ""}, ts),
                    "files": [{"id": item["id"]} for item in answered],
                }
                for upload in uploads:
                    assert upload is not None
                    upload.shares.append(where)
        return {"ok": True, "files": answered}


def _uploaded_file_json(upload: _Upload) -> dict[str, Any]:
    shares: dict[str, list[dict[str, str]]] = {}
    for channel, ts in upload.shares:
        shares.setdefault(channel, []).append({"ts": ts})
    return {
        "id": upload.file_id,
        "name": upload.filename,
        "title": upload.filename,
        "size": len(upload.data or b""),
        "shares": {"private": shares} if shares else {},
    }


def _views_publish(standin: SlackStandIn, params: dict[str, Any]) -> dict[str, Any]:
    """Like Slack: a Home tab needs the user it is for and a view of type home."""
    view = params.get("view")
    if not params.get("user_id") or not isinstance(view, dict) or view.get("type") != "home":
        return {"ok": False, "error": "invalid_arguments"}
    return standin._views(params)


_METHODS: dict[str, Callable[[SlackStandIn, dict[str, Any]], dict[str, Any]]] = {
    "chat.postMessage": SlackStandIn._chat_post_message,
    "chat.update": SlackStandIn._chat_update,
    "chat.delete": SlackStandIn._chat_delete,
    "chat.postEphemeral": SlackStandIn._chat_post_ephemeral,
    "users.lookupByEmail": SlackStandIn._users_lookup_by_email,
    "users.info": SlackStandIn._users_info,
    "conversations.open": SlackStandIn._conversations_open,
    "views.open": SlackStandIn._views,
    "views.update": SlackStandIn._views,
    "views.push": SlackStandIn._views,
    "views.publish": _views_publish,
    "auth.test": SlackStandIn._auth_test,
    "files.info": SlackStandIn._files_info,
    "files.delete": SlackStandIn._files_delete,
    "files.getUploadURLExternal": SlackStandIn._files_get_upload_url,
    "files.completeUploadExternal": SlackStandIn._files_complete_upload,
}


def _dm_channel(channel: str) -> str:
    """The DM channel id the stand-in gives a user id (U…/W…); other ids are returned as is."""
    if channel[:1] in ("U", "W") and len(channel) > 1:
        return "D" + channel[1:]
    return channel


def _decode_params(params: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(params)
    for key in _JSON_PARAMS.intersection(decoded):
        value = decoded[key]
        if isinstance(value, str):
            # Not JSON: recorded as sent; the method answers as Slack would to bad input.
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(value)
    return decoded


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1.0"
    protocol_version = "HTTP/1.0"

    @property
    def standin(self) -> SlackStandIn:
        return self.server.standin  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch(body=b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(body=self.rfile.read(length) if length else b"")

    def _dispatch(self, body: bytes) -> None:
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "api":
            self._api_call(parts[1], url.query, body)
        elif len(parts) == 2 and parts[0] == "respond":
            self._response_url(parts[1], body)
        elif len(parts) == 2 and parts[0] == "upload":
            self._upload(parts[1], body)
        elif len(parts) == 4 and parts[0] == "files-pri" and parts[2] == "download":
            self._download(parts[1].rsplit("-", 1)[-1])
        else:
            self._send(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not_found"})

    def _api_call(self, method: str, query: str, body: bytes) -> None:
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body:
            if content_type == "application/json":
                try:
                    loaded = json.loads(body)
                except ValueError:
                    self._send(HTTPStatus.OK, {"ok": False, "error": "invalid_json"})
                    return
                if isinstance(loaded, dict):
                    params.update(loaded)
            else:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        token = params.pop("token", None) or self._bearer_token()
        params = _decode_params(params)
        self._respond(method, Call(method=method, params=params, token=token))

    def _response_url(self, token: str, body: bytes) -> None:
        try:
            loaded = json.loads(body) if body else {}
        except ValueError:
            loaded = {"raw": body.decode("utf-8", "replace")}
        params = {**(loaded if isinstance(loaded, dict) else {"body": loaded}), "token": token}
        self._respond("response_url", Call(method="response_url", params=params, token=token))

    def _upload(self, file_id: str, body: bytes) -> None:
        standin = self.standin
        with standin._lock:
            upload = standin._uploads.get(file_id)
            if upload is not None:
                upload.data = body
        call = Call(method="file_upload", params={"file_id": file_id, "size": len(body)})
        if upload is None:
            call.fault = "error:file_not_found"
            standin._record(call)
            self._send(HTTPStatus.NOT_FOUND, {"ok": False, "error": "file_not_found"})
            return
        standin._record(call)
        self._send_text(HTTPStatus.OK, f"OK - {len(body)}")

    def _download(self, file_id: str) -> None:
        """GET of a file's url_private_download. Like Slack, a request without a bot token gets
        a sign-in web page (status 200, HTML), not the file."""
        standin = self.standin
        token = self._bearer_token()
        call = Call(method="file_download", params={"file_id": file_id}, token=token)
        fault = standin._take_fault("file_download")
        with standin._lock:
            shared = standin._files.get(file_id)
        if fault is not None:
            call.fault = f"http_{fault.status}"
            standin._record(call)
            self._send(fault.status, {"ok": False, "error": fault.error or "internal_error"})
        elif shared is None:
            call.fault = "error:file_not_found"
            standin._record(call)
            self._send(HTTPStatus.NOT_FOUND, {"ok": False, "error": "file_not_found"})
        elif not (token or "").startswith("xoxb-"):
            call.fault = "error:not_authed"
            standin._record(call)
            self._write(HTTPStatus.OK, b"<html>Sign in to Slack</html>", "text/html", {})
        else:
            standin._record(call)
            self._write(HTTPStatus.OK, shared.data, "text/csv", {})

    def _respond(self, method: str, call: Call) -> None:
        standin = self.standin
        with standin._lock:
            delay = standin._delays.get(method)
        if delay:
            time.sleep(delay)
        fault = standin._take_fault(method)
        if fault is None:
            if method == "response_url":
                standin._record(call)
                self._send_text(HTTPStatus.OK, "ok")
                return
            answer = standin._answer(method, call.params)
            call.response = answer
            if not answer.get("ok"):
                call.fault = f"error:{answer.get('error')}"
            standin._record(call)
            self._send(HTTPStatus.OK, answer)
            return
        if fault.kind == "reset":
            call.fault = "reset"
            standin._record(call)
            self._reset()
            return
        if fault.kind == "error":
            call.fault = f"error:{fault.error}"
            standin._record(call)
            self._send(HTTPStatus.OK, {"ok": False, "error": fault.error})
            return
        call.fault = "rate_limited" if fault.kind == "rate" else f"http_{fault.status}"
        standin._record(call)
        headers = {}
        if fault.status == 429:
            headers["Retry-After"] = str(max(1, math.ceil(fault.retry_after or 1)))
        error = fault.error or ("ratelimited" if fault.status == 429 else "internal_error")
        self._send(fault.status, {"ok": False, "error": error}, headers)

    def _bearer_token(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        return None

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        body = json.dumps(payload).encode("utf-8")
        self._write(status, body, "application/json; charset=utf-8", headers or {})

    def _send_text(self, status: int, text: str) -> None:
        self._write(status, text.encode("utf-8"), "text/plain; charset=utf-8", {})

    def _write(self, status: int, body: bytes, content_type: str, headers: dict[str, str]):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        """Drop the connection with no status line: the client sees it closed or reset."""
        self.close_connection = True
        # SO_LINGER 0: closing sends a TCP reset instead of a graceful close.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
