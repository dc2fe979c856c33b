"""The suite-wide privacy check (tests/conftest.py installs it): no message the bot posts to a
channel — chat.postMessage or chat.update to a C… or G… conversation, or a file shared there —
may carry a case reference or a person's email address. Every Slack stand-in of every test is
watched; a test during which such a post reached a stand-in fails."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.demo.slack_standin import Call, SlackStandIn

# Case references as the authorities write them (CR-1234) and as the test factories make them
# (CR-N001, CR-L0001, CR-TAC0001 …), and email addresses.
CASE_REFERENCE = re.compile(r"\bCR-[A-Z]{0,4}\d+")
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CHANNEL_WRITES = {"chat.postMessage": "channel", "chat.update": "channel"}
_FILE_SHARE = "files.completeUploadExternal"


@dataclass(frozen=True)
class Leak:
    method: str
    channel: str
    found: tuple[str, ...]


_lock = threading.Lock()
_leaks: list[Leak] = []
checked_posts = 0  # channel posts looked at since the session began


def is_channel(conversation: Any) -> bool:
    return isinstance(conversation, str) and conversation[:1] in ("C", "G")


def personal_data(text: str) -> tuple[str, ...]:
    return tuple(CASE_REFERENCE.findall(text) + EMAIL.findall(text))


def observe(call: Call) -> None:
    """Look at one call a stand-in received."""
    global checked_posts
    if call.method in _CHANNEL_WRITES:
        channel = call.params.get(_CHANNEL_WRITES[call.method])
    elif call.method == _FILE_SHARE:
        channel = call.params.get("channel_id")
    else:
        return
    if not is_channel(channel):
        return
    content = {k: v for k, v in call.params.items() if k not in ("channel", "channel_id")}
    found = personal_data(json.dumps(content, ensure_ascii=False))
    with _lock:
        checked_posts += 1
        if found:
            _leaks.append(Leak(call.method, str(channel), found))


def take_leaks() -> list[Leak]:
    with _lock:
        leaks = list(_leaks)
        _leaks.clear()
    return leaks


@contextmanager
def watching() -> Iterator[None]:
    """Observe every call recorded by every SlackStandIn (the session fixture)."""
    original = SlackStandIn._record

    def record(standin: SlackStandIn, call: Call) -> None:
        observe(call)
        original(standin, call)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SlackStandIn, "_record", record)
        yield


def check_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Per test: fail it if a channel post made during it carries personal data."""
    take_leaks()
    yield
    leaks = take_leaks()
    if leaks and request.node.get_closest_marker("privacy_exempt") is None:
        pytest.fail(
            "case reference or email posted to a channel: "
            + "; ".join(
                f"{leak.method} to {leak.channel}: {', '.join(leak.found)}" for leak in leaks
            ),
            pytrace=False,
        )
