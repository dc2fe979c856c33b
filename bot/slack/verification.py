"""Requests to `POST /slack/events`, checked before anything in them is parsed.

The signature is checked on the raw bytes first: a request without one, with a timestamp that
is not a number or more than five minutes away, or signed with another secret is refused (401)
before its body is read as anything. Only then is the body read, and a signed body that cannot
be a request from Slack (not UTF-8, a payload that is not a JSON object, neither a payload nor
a command) is refused too (400). Nothing malformed reaches the listeners, so none answers 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qs

MAX_AGE_SECONDS = 5 * 60  # Slack's own window: an older request is a replay


def signature_is_valid(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float
) -> bool:
    """Slack's v0 signature over the timestamp and the raw body, within the five minutes."""
    if not timestamp or not signature or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    signed = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def malformed(body: bytes, content_type: str) -> str | None:
    """Why a (signed) body cannot be a request from Slack; None when it can be."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    # Bolt reads a body as JSON by its content type or its first character: so does this.
    if content_type.split(";")[0].strip() == "application/json" or text.startswith("{"):
        return None if isinstance(_json(text), dict) else "the body is not a JSON object"
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        payload = _json(form["payload"][0])
        return None if isinstance(payload, dict) else "the payload is not a JSON object"
    if "command" in form or "ssl_check" in form:
        return None
    return "neither a payload nor a command"


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None
