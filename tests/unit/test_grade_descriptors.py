"""What each grade means (issue 25, Stockport's Outstanding: "above and beyond statutory
practice"): what the policy accepts, and how the audit form shows it."""

from __future__ import annotations

from types import SimpleNamespace as Obj

import pytest
from pydantic import ValidationError

from bot.policy.schema import FrameworkPolicy, Policy, describe_validation_error
from messages import render


def refusal(framework: dict) -> str:
    with pytest.raises(ValidationError) as raised:
        Policy(framework=framework)
    return describe_validation_error(raised.value)


def test_a_descriptor_must_name_a_grade_and_fit_under_a_menu():
    assert "grade_descriptors: Excellent not in grades" in refusal(
        {"grade_descriptors": {"Excellent": "Better than good."}}
    )
    assert "Outstanding: a descriptor is 1 to 250 characters" in refusal(
        {"grade_descriptors": {"Outstanding": "x" * 251}}
    )
    assert "a descriptor is 1 to 250 characters" in refusal({"grade_descriptors": {"Good": "  "}})


def test_the_step_shows_the_described_grades_in_the_scales_order_escaped():
    framework = FrameworkPolicy(
        grade_descriptors={"Inadequate": "Children <at> risk & harm.", "Outstanding": "Above."}
    )
    view = render(
        "audit_step_modal",
        private_metadata="{}",
        step_number=1,
        steps=5,
        case=Obj(case_ref="CR-1"),
        framework=framework,
        domains=framework.domains[:2],
        answers={},
    )
    [described] = [b for b in view["blocks"] if b["type"] == "context"][1:2]
    texts = [element["text"] for element in described["elements"]]
    assert texts == ["*Outstanding:* Above.", "*Inadequate:* Children &lt;at&gt; risk &amp; harm."]
