"""Build the signed HTTP requests Slack sends, for the demo and the tests (errbot-style testbot)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers that make `body` a genuine request from Slack (or a stale one, with an old stamp)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def slash_command_body(
    command: str, text: str, *, user_id: str, response_url: str, trigger_id: str = "trigger-1"
) -> str:
    return urlencode(
        {
            "token": "unused",
            "team_id": "T0AUDIT01",
            "team_domain": "council",
            "channel_id": "D0COMMAND1",
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0AUDITBOT",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def find_button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The button with `action_id` in a message's blocks, in an actions block or beside a
    section's text (KeyError if it is not there)."""
    for block in message.get("blocks", []):
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        for element in [*elements, block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return element
    raise KeyError(f"no button {action_id!r} in the message")


def button_click_body(
    *,
    user_id: str,
    message: dict[str, Any],
    action_id: str,
    response_url: str,
    trigger_id: str = "trigger-2",
) -> str:
    """Clicking `action_id` in `message` (a sent message: it carries its channel and ts)."""
    channel_id, message_ts = message["channel"], message["ts"]
    return _block_actions_body(
        user_id,
        find_button(message, action_id),
        trigger_id,
        action_ts=message_ts,
        response_url=response_url,
        container={"type": "message", "channel_id": channel_id, "message_ts": message_ts},
        channel={"id": channel_id},
        message={"ts": message_ts},
    )


def _block_actions_body(
    user_id: str, button: dict[str, Any], trigger_id: str, action_ts: str, **where: Any
) -> str:
    """A click on `button`; `where` says where it was (a message, or a Home tab)."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0AUDIT01", "domain": "council"},
        "user": {"id": user_id, "team_id": "T0AUDIT01"},
        "api_app_id": "A0AUDITBOT",
        "trigger_id": trigger_id,
        **where,
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b",
                "value": button.get("value", ""),
                "action_ts": action_ts,
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(
    *, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> str:
    """Submit `view` (as opened) with `values` as {block_id: {action_id: {...state...}}}."""
    return _view_body("view_submission", user_id, view, values)


def view_closed_body(
    *, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> str:
    """Close `view` (sent only for views with notify_on_close) with what was typed so far."""
    return _view_body("view_closed", user_id, view, values)


def _view_body(
    kind: str, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> str:
    payload = {
        "type": kind,
        "team": {"id": "T0AUDIT01", "domain": "council"},
        "user": {"id": user_id, "team_id": "T0AUDIT01"},
        "api_app_id": "A0AUDITBOT",
        "trigger_id": "trigger-3",
        "view": {
            **view,
            "id": view.get("id", "V0MODAL01"),
            "team_id": "T0AUDIT01",
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def app_home_opened_body(*, user_id: str, event_id: str, tab: str = "home") -> str:
    """The Events API delivery of `app_home_opened` (JSON, not a form)."""
    return _event_callback(
        event_id,
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": tab,
            "event_ts": f"{int(time.time())}.000100",
        },
    )


def _event_callback(event_id: str, event: dict[str, Any]) -> str:
    """The Events API envelope around one event, as Slack posts it (JSON)."""
    return json.dumps(
        {
            "token": "unused",
            "team_id": "T0AUDIT01",
            "api_app_id": "A0AUDITBOT",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    )


def home_click_body(
    *, user_id: str, view: dict[str, Any], action_id: str, trigger_id: str = "trigger-4"
) -> str:
    """Clicking `action_id` on a published Home tab: no conversation, so no response_url."""
    view_id = view.get("id", "V0HOME01")
    return _block_actions_body(
        user_id,
        find_button(view, action_id),
        trigger_id,
        action_ts="1700000000.000100",
        container={"type": "view", "view_id": view_id},
        view={**view, "id": view_id},
    )


def file_shared_body(*, user_id: str, file_id: str, channel_id: str, event_id: str) -> str:
    """The Events API delivery of `file_shared`: a person shared a file where the bot sees it
    (JSON, not a form). It names the file only; files.info tells the rest."""
    return _event_callback(
        event_id,
        {
            "type": "file_shared",
            "channel_id": channel_id,
            "file_id": file_id,
            "user_id": user_id,
            "file": {"id": file_id},
            "event_ts": f"{int(time.time())}.000200",
        },
    )
