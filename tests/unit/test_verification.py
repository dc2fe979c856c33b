"""Requests checked before anything in them is parsed (bot/slack/verification.py)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.demo.slack_requests import sign
from bot.slack.verification import MAX_AGE_SECONDS, malformed, signature_is_valid

SECRET = "the-signing-secret"
NOW = 1_796_400_000
BODY = b"command=%2Faudit&text=help"
FORM = "application/x-www-form-urlencoded"
NOT_AN_OBJECT = "the payload is not a JSON object"


def signed(body: bytes, timestamp: int = NOW, secret: str = SECRET) -> tuple[str, str]:
    headers = sign(secret, body.decode("latin-1"), timestamp=timestamp)
    return headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]


def test_slacks_signature_within_five_minutes_is_valid():
    assert signature_is_valid(SECRET, BODY, *signed(BODY), NOW + MAX_AGE_SECONDS)


@pytest.mark.parametrize(
    "case",
    ["another secret", "five minutes and a second old", "body altered", "no signature"],
)
def test_anything_else_is_not(case):
    timestamp, signature = signed(BODY, secret="another" if case == "another secret" else SECRET)
    now = NOW + MAX_AGE_SECONDS + 1 if case == "five minutes and a second old" else NOW
    body = BODY + b"&x=1" if case == "body altered" else BODY
    assert not signature_is_valid(
        SECRET, body, timestamp, None if case == "no signature" else signature, now
    )


@pytest.mark.parametrize("timestamp", ["", "yesterday", "1e9", " 1796400000", "-1", "١٢٣", None])
def test_a_timestamp_that_is_not_digits_is_not_valid_and_raises_nothing(timestamp):
    assert not signature_is_valid(SECRET, BODY, timestamp, "v0=00", NOW)


def test_bytes_that_are_not_utf8_are_verified_as_bytes():
    body = b"payload=\xff\xfe"
    timestamp = str(NOW)
    expected = (
        "v0="
        + hmac.new(
            SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
        ).hexdigest()
    )
    assert signature_is_valid(SECRET, body, timestamp, expected, NOW)
    assert malformed(body, FORM) == "the body is not UTF-8"


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"command=%2Faudit&text=", FORM, None),
        (
            b"payload=%7B%22type%22%3A%22block_actions%22%7D",
            "application/x-www-form-urlencoded",
            None,
        ),
        (b'{"type": "event_callback"}', "application/json; charset=utf-8", None),
        (b"ssl_check=1&token=x", FORM, None),
        (
            b"payload=%7Bnot",
            "application/x-www-form-urlencoded",
            "the payload is not a JSON object",
        ),
        (
            b"payload=%5B1%5D",
            "application/x-www-form-urlencoded",
            "the payload is not a JSON object",
        ),
        (b"{not json", "application/json", "the body is not a JSON object"),
        (b'{"type": "event_callback"}', FORM, None),
        (b"{not json", FORM, "the body is not a JSON object"),
        (b"[]", "application/json", "the body is not a JSON object"),
        (b"x=1", FORM, "neither a payload nor a command"),
    ],
)
def test_what_a_signed_body_must_be(body, content_type, problem):
    assert malformed(body, content_type) == problem
