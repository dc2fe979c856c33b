"""The transfer audit's rules and policy (issue 25, Bolton): what the form needs, and the
settings, off by default, a bad one named."""

from __future__ import annotations

import pytest

from bot.core.errors import ConfigError
from bot.policy.schema import OFSTED_GRADES, Policy, load_policy
from bot.transfer_audit.rules import transfer_audit_errors

WHY = "The chronology is current and the plan was reviewed last month."


def errors(fit="fit", judgement="Good", why=WHY, grades=OFSTED_GRADES):
    return transfer_audit_errors(fit, judgement, why, grades=grades, min_justification=40)


def test_a_complete_answer_has_no_problem():
    assert errors() == {} and errors(fit="not_fit", judgement="Inadequate") == {}


def test_each_missing_or_short_answer_is_named_on_its_field():
    assert set(errors(fit=None, judgement=None, why="  ok  ")) == {
        "fit",
        "judgement",
        "justification",
    }
    assert "at least 40 characters" in errors(why="x" * 39)["justification"]
    assert set(errors(fit="maybe", judgement="Fine")) == {"fit", "judgement"}


def test_a_framework_without_grades_needs_no_judgement():
    assert errors(judgement=None, grades=[]) == {}


def test_off_by_default_and_asking_the_sending_teams_head_of_service():
    rule = Policy().transfer_audit
    assert (rule.enabled, rule.auditor_role, rule.auditor_team, rule.due_working_days) == (
        False,
        "head_of_service",
        "sending",
        10,
    )


@pytest.mark.parametrize(
    ("yaml", "named"),
    [
        ("transfer_audit: {auditor_role: team_manager}", "transfer_audit.auditor_role"),
        ("transfer_audit: {auditor_team: both}", "transfer_audit.auditor_team"),
        ("transfer_audit: {due_working_days: 0}", "transfer_audit.due_working_days"),
        ("transfer_audit: {enable: true}", "transfer_audit.enable: not a known setting"),
    ],
)
def test_a_bad_setting_stops_the_program_naming_it(tmp_path, yaml, named):
    path = tmp_path / "policy.yaml"
    path.write_text(yaml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        load_policy(path)
