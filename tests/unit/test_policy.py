from datetime import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.errors import ConfigError
from bot.policy.schema import Policy, load_policy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_stockport_and_sefton():
    policy = Policy()
    assert policy.selection.eligible_case_types == ["CP", "LAC", "CIN"]
    assert policy.selection.min_open_days == 28
    assert policy.selection.exclude_selected_within_months == 12
    assert policy.selection.run_at == time(8, 0)
    assert policy.calendar.holidays_subdivision == "ENG"
    assert policy.booking.lead_working_days == 10
    assert policy.reaudit.sampling == "per_manager" and policy.reaudit.percent == 30
    assert policy.reaudit.always_include_overall == ["Outstanding", "Good"]
    assert policy.reaudit.moderator_role == "service_manager"
    assert not policy.reaudit.annual.enabled and policy.reaudit.annual.percent == 10


def test_an_evaluative_framework_has_no_grades_to_always_include(tmp_path: Path):
    policy = load_policy(write(tmp_path, "framework:\n  grades: []\n"))
    assert policy.framework.grades == []


def test_a_valid_file_overrides_only_what_it_names(tmp_path: Path):
    policy = load_policy(write(tmp_path, "selection:\n  min_open_days: 42\n"))
    assert policy.selection.min_open_days == 42
    assert policy.selection.exclude_selected_within_months == 12


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("selection:\n  min_open_days: soon\n", "selection.min_open_days"),
        ("selection:\n  min_open_days: -1\n", "selection.min_open_days"),
        ("selection:\n  eligible_case_types: [CP, XYZ]\n", "selection.eligible_case_types"),
        ("selection:\n  eligible_case_types: []\n", "selection.eligible_case_types"),
        ("selection:\n  colour: blue\n", "selection.colour"),
        ("reaudit:\n  sampling: half\n", "reaudit.sampling"),
        ("reaudit:\n  percent: 0\n", "reaudit.percent"),
        ("reaudit:\n  always_include_overall: [Great]\n", "reaudit.always_include_overall"),
        ("reaudit:\n  annual:\n    month: 13\n", "reaudit.annual.month"),
        ("reaudit:\n  moderators: [sam]\n", "reaudit.moderators"),
        ("calendar:\n  division: wales-only\n", "calendar.division"),
        ("calendar:\n  working_hours: {start: '18:00', end: '09:00'}\n", "calendar.working_hours"),
        ("booking:\n  duration_minutes: 5\n", "booking.duration_minutes"),
    ],
)
def test_a_bad_field_is_named(tmp_path: Path, text: str, field: str):
    with pytest.raises(ConfigError) as raised:
        load_policy(write(tmp_path, text))
    assert field in str(raised.value)


def test_a_file_that_is_not_yaml_or_not_a_mapping_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_policy(write(tmp_path, "selection: [unclosed\n"))
    with pytest.raises(ConfigError, match="mapping"):
        load_policy(write(tmp_path, "- just a list\n"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_policy(tmp_path / "missing.yml")


@pytest.mark.reliability
def test_the_program_refuses_to_start_with_a_bad_policy(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUDITBOT_CONFIG", str(write(tmp_path, "selection:\n  run_at: noon\n")))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    assert main(["serve", "--no-scheduler"]) == 2
    assert "selection.run_at" in capsys.readouterr().err
    assert not (tmp_path / "a.db").exists()
