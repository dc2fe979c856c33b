"""An audit round's audit day must be a working day: weekends and the division's bank holidays
are refused, in the policy file (naming the field) and by the rule the Slack form and the
thematic schedule's rounds are checked with."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar import WorkingCalendar
from bot.core.errors import ConfigError
from bot.policy.schema import Policy, RoundDefinition, load_policy

ENGLAND = WorkingCalendar("ENG")


def definition(audit_date: date, audit_until: date | None = None) -> RoundDefinition:
    return RoundDefinition(
        name="audit-day",
        kind="audit_day",
        cases=2,
        auditor_role="service_manager",
        audit_date=audit_date,
        audit_until=audit_until,
    )


@pytest.mark.parametrize(
    ("audit_date", "audit_until", "problem"),
    [
        (date(2027, 1, 11), None, None),  # a Monday
        (date(2027, 1, 11), date(2027, 1, 15), None),
        (date(2027, 1, 9), None, "audit_date: Saturday 9 January 2027 is not a working day"),
        (date(2027, 1, 10), None, "audit_date: Sunday 10 January 2027 is not a working day"),
        (date(2026, 12, 28), None, "audit_date: Monday 28 December 2026 is a bank holiday"),
        (date(2027, 1, 11), date(2027, 1, 16), "audit_until: Saturday 16 January 2027"),
    ],
)
def test_the_audit_days_must_be_working_days(audit_date, audit_until, problem):
    found = definition(audit_date, audit_until).day_off(ENGLAND)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)


def test_bank_holidays_are_the_divisions():
    st_andrews = date(2026, 11, 30)  # a bank holiday in Scotland only
    assert definition(st_andrews).day_off(ENGLAND) is None
    assert "Andrew's Day" in definition(st_andrews).day_off(WorkingCalendar("SCT"))


def test_a_policy_file_with_a_weekend_audit_day_stops_naming_the_field(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(
        "rounds:\n  rounds:\n"
        "    - {name: a, kind: audit_day, cases: 1, auditor_role: admin, audit_date: 2027-01-11}\n"
        "    - {name: b, kind: audit_day, cases: 1, auditor_role: admin, audit_date: 2027-01-09}\n"
    )
    with pytest.raises(ConfigError, match=r"rounds\.rounds\.1\.audit_date: Saturday 9 January"):
        load_policy(path)


def test_a_policy_round_on_a_scottish_bank_holiday_is_refused_only_in_scotland():
    round_ = {
        "name": "x",
        "kind": "whole_file",
        "cases": 1,
        "auditor_role": "admin",
        "audit_date": "2026-11-30",
    }
    assert Policy.model_validate({"rounds": {"rounds": [round_]}})
    with pytest.raises(ValueError, match="bank holiday"):
        Policy.model_validate(
            {"calendar": {"division": "scotland"}, "rounds": {"rounds": [round_]}}
        )
