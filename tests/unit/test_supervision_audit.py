"""The yearly supervision file audit's form rule and its policy (issue 25, Bolton)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.policy.schema import OFSTED_GRADES, Policy
from bot.supervision_audit.form import supervision_audit_errors

WHY = "Monthly, recorded and reflective for every supervisee."


def errors(grade="Good", why=WHY, grades=OFSTED_GRADES):
    return supervision_audit_errors(grade, why, grades=grades, min_justification=40)


def test_a_grade_and_a_reason_long_enough_are_needed():
    assert errors() == {}
    assert set(errors(grade=None, why="Fine")) == {"grade", "justification"}
    assert errors(grade="Excellent")["grade"] == "Please choose a grade."
    assert errors(grade=None, grades=[]) == {}  # evaluative statements: no grade


def test_off_by_default_in_april_by_the_head_of_service():
    rule = Policy().supervision_file_audit
    assert (rule.enabled, rule.month, rule.auditor_role, rule.due_working_days) == (
        False,
        4,
        "head_of_service",
        20,
    )


@pytest.mark.parametrize(
    "bad",
    [{"month": 13}, {"auditor_role": "team_manager"}, {"due_working_days": 0}, {"day": 1}],
)
def test_a_bad_setting_is_refused_naming_it(bad):
    with pytest.raises(ValidationError, match="supervision_file_audit"):
        Policy(supervision_file_audit=bad)
