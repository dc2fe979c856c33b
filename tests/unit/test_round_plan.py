"""The year's audit days planned ahead (issue 25, Halton), as the policy file checks them: each
date a working day and named once, each a round with the same checks as rounds.rounds."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.errors import ConfigError
from bot.policy.schema import Policy, load_policy

QUARTERS = ["2027-01-11", "2027-04-12", "2027-07-12", "2027-10-11"]


def plan(tmp_path, **settings) -> Policy:
    path = tmp_path / "policy.yaml"
    lines = ["rounds:", "  yearly_plan:"]
    lines += [f"    {key}: {value}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_policy(path)


def test_each_date_becomes_an_audit_day_round_in_date_order(tmp_path):
    dates = "[" + ", ".join(reversed(QUARTERS)) + "]"
    policy = plan(tmp_path, dates=dates, auditor_role="team_manager", pairs="true", cases=6)
    definitions = policy.rounds.yearly_plan.definitions()
    assert [d.name for d in definitions] == [f"audit-day-{day}" for day in QUARTERS]
    assert {(d.kind, d.cases, d.pairs, d.auditor_role) for d in definitions} == {
        ("audit_day", 6, True, "team_manager")
    }
    assert definitions[0].audit_date == date(2027, 1, 11)
    assert Policy().rounds.yearly_plan.dates == []  # off by default


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (
            {"dates": "[2027-01-11, 2027-04-10]", "auditor_role": "team_manager"},
            "rounds.yearly_plan.dates.1: Saturday 10 April 2027 is not a working day",
        ),
        (
            {"dates": "[2027-03-29]", "auditor_role": "team_manager"},
            "rounds.yearly_plan.dates.0: Monday 29 March 2027 is a bank holiday (Easter Monday)",
        ),
        (
            {"dates": "[2027-01-11, 2027-01-11]", "auditor_role": "team_manager"},
            "rounds.yearly_plan.dates: each audit date only once",
        ),
        ({"dates": "[2027-01-11]"}, "auditors: name the auditors, or an auditor role"),
        ({"dates": "[2027-01-11]", "auditor_rol": "team_manager"}, "not a known setting"),
    ],
)
def test_a_bad_plan_stops_the_program_naming_the_field(tmp_path, settings, says):
    with pytest.raises(ConfigError, match="rounds.yearly_plan") as refused:
        plan(tmp_path, **settings)
    assert says in str(refused.value)
