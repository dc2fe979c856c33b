"""docs/privacy.md's section for the data protection impact assessment says what the code does:
the Slack scopes it names are the manifest's, the retention settings and their defaults are the
policy's, and the commands that meet each right exist (issue 24, part 3)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.cli import _parser
from bot.core.permissions import COMMANDS_BY_NAME
from bot.policy.schema import RetentionPolicy

ROOT = Path(__file__).resolve().parents[2]
PRIVACY = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
DPIA = PRIVACY.split("## For the data protection impact assessment", 1)[1].split("\n## ", 1)[0]
MANIFEST = yaml.safe_load((ROOT / "slack-app-manifest.yml").read_text(encoding="utf-8"))


def test_the_section_answers_what_a_dpia_asks():
    for heading in (
        "Controller and processors",
        "Lawful basis",
        "Data subjects",
        "Categories of data and who sees them",
        "Rights beyond access, and how each is met",
        "Security",
        "Backups and logs",
        "Residual risks",
    ):
        assert f"### {heading}" in DPIA, heading
    for article in ("6(1)(e)", "9(2)(h)", "Article 16", "Article 17", "Article 21"):
        assert article in DPIA, article


def test_the_slack_scopes_named_are_the_manifests():
    sentence = re.search(r"with these scopes: (.+?)\.\n", DPIA, re.S).group(1)
    named = set(re.findall(r"`([a-z.:]+)`", sentence))
    assert named == set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_the_retention_settings_named_exist_and_their_default_is_as_said():
    named = set(re.findall(r"`retention\.(\w+)`", DPIA))
    assert named and named <= set(RetentionPolicy.model_fields)
    defaults = RetentionPolicy()
    says_kept = re.search(r"no period set \(today's default for\s+(.+?)\)", DPIA, re.S)
    unset = set(re.findall(r"`retention\.(\w+)`", says_kept.group(1))) if says_kept else set()
    periods = {name for name in RetentionPolicy.model_fields if name.endswith("_days")}
    assert unset == {name for name in periods if getattr(defaults, name) is None}


def test_the_commands_that_meet_each_right_exist():
    cli = set(_parser()._subparsers._group_actions[0].choices)
    for command in re.findall(r"`auditbot (\w+)", DPIA):
        assert command in cli, command
    for command in re.findall(r"`/audit (\w+)", DPIA):
        assert command in COMMANDS_BY_NAME, command
