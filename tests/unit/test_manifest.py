"""The shipped Slack app manifest matches the code: every slash command and event the Bolt app
registers, every `/audit` sub-command, and exactly the scopes the Slack methods it calls need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.core.permissions import AUDIT_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "slack-app-manifest.yml").read_text(encoding="utf-8"))
REQUEST_URL = "https://auditbot.example.gov.uk/slack/events"
# The code that talks to Slack (the stand-in only answers it; bot/slack/client.py builds the
# client).
NOT_CALLERS = {ROOT / "bot" / "demo" / "slack_standin.py", ROOT / "bot" / "slack" / "client.py"}
SOURCES = [
    path
    for folder in ("bot", "handlers", "scheduler")
    for path in sorted((ROOT / folder).rglob("*.py"))
    if path not in NOT_CALLERS
]

# The bot scopes each Web API method needs, from each method's page at
# https://docs.slack.dev/reference/methods/<method> ("Required scopes"). users:read.email must
# be requested together with users:read (https://docs.slack.dev/reference/scopes/users.read.email).
# files.uploadV2 is slack_sdk's files.getUploadURLExternal + files.completeUploadExternal.
SCOPES_NEEDED: dict[str, set[str]] = {
    "auth.test": set(),  # Bolt checks the token at start
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},  # the bot's own messages only
    "conversations.open": {"im:write"},
    "files.info": {"files:read"},
    "files.delete": {"files:write"},
    "files.uploadV2": {"files:write"},
    "users.lookupByEmail": {"users:read.email", "users:read"},
    "views.open": set(),
    "views.publish": set(),
}
SLASH_COMMAND_SCOPE = "commands"
# The bot scopes each event needs, from https://docs.slack.dev/reference/events/<event>.
EVENT_SCOPES: dict[str, set[str]] = {"app_home_opened": set(), "file_shared": {"files:read"}}


def source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)


def slack_method(python_name: str) -> str:
    """slack_sdk's method name as Slack's: views_open → views.open, files_upload_v2 →
    files.uploadV2, users_lookupByEmail → users.lookupByEmail."""
    family, name = python_name.split("_", 1)
    head, *rest = name.split("_")
    return f"{family}.{head}{''.join(part.capitalize() for part in rest)}"


def methods_called() -> set[str]:
    """Slack methods the code calls: WebClient methods by name, and the methods the outbox
    queues for the sender's api_call (`method="…"` or a method-name constant)."""
    text = source_text()
    direct = {
        slack_method(name)
        for name in re.findall(r"client\.([a-z]+_[A-Za-z0-9_]+)\(", text)
        if name != "api_call"
    }
    queued = set(re.findall(r'(?:method=|[A-Z_]+ = )"([a-z]+\.[A-Za-z0-9]+)"', text))
    literal = set(re.findall(r'api_call\(\s*"([a-z]+\.[A-Za-z0-9]+)"', text))
    return direct | queued | literal | {"auth.test"}


def registered(kind: str) -> set[str]:
    """What handlers/ registers with Bolt: app.command("/x") or app.event("x")."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "handlers").glob("*.py"))
    return set(re.findall(rf'app\.{kind}\("([^"]+)"\)', text))


def test_the_scan_finds_the_methods_we_know_the_code_calls():
    # Guards the regexes: a scan that found nothing would make the scope test pass vacuously.
    assert {
        "chat.postMessage",
        "chat.update",
        "views.open",
        "views.publish",
        "users.lookupByEmail",
        "conversations.open",
        "files.uploadV2",
        "chat.delete",
        "files.delete",
    } <= methods_called()
    assert slack_method("files_upload_v2") == "files.uploadV2"


def test_every_method_the_code_calls_has_a_known_scope_need():
    unknown = methods_called() - set(SCOPES_NEEDED)
    assert not unknown, f"add these methods' scopes to SCOPES_NEEDED (see Slack's docs): {unknown}"


def test_the_manifest_declares_exactly_the_scopes_the_code_needs():
    needed = set().union(*(SCOPES_NEEDED[m] for m in methods_called() if m in SCOPES_NEEDED))
    if registered("command"):
        needed.add(SLASH_COMMAND_SCOPE)
    needed |= set().union(*(EVENT_SCOPES[event] for event in registered("event")))
    declared = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert declared - needed == set(), "declared but never needed (least privilege)"
    assert needed - declared == set(), "needed by the code but not declared"
    assert "user" not in MANIFEST["oauth_config"]["scopes"]  # a bot token only


def test_every_slash_command_the_app_registers_is_in_the_manifest():
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert set(commands) == registered("command") == {"/audit", "/supervision"}
    for command in commands.values():
        assert command["url"] == REQUEST_URL
        assert command["should_escape"] is True  # mentions arrive as <@U…>, as the parser expects


@pytest.mark.parametrize("spec", AUDIT_COMMANDS, ids=lambda spec: spec.name)
def test_every_audit_sub_command_in_help_is_in_the_usage_hint(spec):
    audit = next(c for c in MANIFEST["features"]["slash_commands"] if c["command"] == "/audit")
    hints = audit["usage_hint"].split(" | ")
    assert all(form in hints for form in spec.usage.split(" | "))  # e.g. `round new | round …`
    assert spec.name in audit["description"]


def test_events_home_tab_and_interactivity_reach_the_one_endpoint():
    events = MANIFEST["settings"]["event_subscriptions"]
    assert set(events["bot_events"]) == registered("event") == set(EVENT_SCOPES)
    assert events["request_url"] == REQUEST_URL
    assert MANIFEST["settings"]["interactivity"] == {"is_enabled": True, "request_url": REQUEST_URL}
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    # An administrator shares a CSV in the DM to import it (file_shared): the tab takes files.
    assert home["messages_tab_read_only_enabled"] is False
    assert "message.im" not in events["bot_events"]  # what is typed there is never read
    # HTTP by default; Socket Mode is described in the manifest's comments as the option.
    assert MANIFEST["settings"]["socket_mode_enabled"] is False
    assert "socket_mode_enabled to true" in (ROOT / "slack-app-manifest.yml").read_text()


def test_the_manifest_keeps_within_slacks_field_limits():
    # Limits from Slack's manifest schema (github.com/slackapi/manifest-schema,
    # schemas/manifest.schema.1.0.0.json): a longer field is refused when the app is created.
    assert 1 <= len(MANIFEST["display_information"]["description"]) <= 140
    for command in MANIFEST["features"]["slash_commands"]:
        assert len(command["command"]) <= 32
        assert 1 <= len(command["description"]) <= 2000
        assert 1 <= len(command.get("usage_hint", "x")) <= 1000
