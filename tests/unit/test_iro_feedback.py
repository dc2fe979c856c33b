"""The IRO's or conference chair's part of the audit (issue 25, Sefton): which audits have it,
what the policy accepts, and how the record for the child's file shows it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace as Obj

import pytest
from pydantic import ValidationError

from bot.audit.iro_feedback import asks_iro
from bot.audit.record_document import IroFeedbackLine, audit_record_docx
from bot.policy.schema import FrameworkPolicy, Policy, describe_validation_error
from tests.support.word import document_lines, headings
from tests.unit.test_record_document import HALTON

ON = FrameworkPolicy(iro_feedback={"enabled": True})


@pytest.mark.parametrize(
    ("framework", "case_type", "asked"),
    [(FrameworkPolicy(), "CP", False), (ON, "CP", True), (ON, "LAC", True), (ON, "CIN", False)],
)
def test_only_the_policys_case_types_have_the_iros_part_and_only_when_enabled(
    framework, case_type, asked
):
    assert asks_iro(framework, Obj(case_type=case_type)) is asked


def test_an_unknown_case_type_is_refused_naming_the_setting():
    with pytest.raises(ValidationError) as raised:
        Policy(framework={"iro_feedback": {"enabled": True, "case_types": ["CP", "XX"]}})
    assert "framework.iro_feedback.case_types: XX not in case_types" in describe_validation_error(
        raised.value
    )


def test_the_record_shows_the_feedback_and_the_iros_grade():
    line = IroFeedbackLine(
        iro="Iris Reviewing",
        requested_on=date(2026, 11, 27),
        given_on=date(2026, 12, 2),
        feedback="The plan is progressing well.",
        grade_view="Good",
    )
    content = audit_record_docx(replace(HALTON, iro_feedback=line))
    lines = document_lines(content)
    assert "The IRO's or conference chair's feedback" in headings(content)
    assert (
        "Feedback: Asked of Iris Reviewing on Friday 27 November 2026, given on Wednesday 2 "
        "December 2026." in lines
    )
    assert "The plan is progressing well." in lines and "Their view of the grade: Good" in lines
    waiting = replace(line, given_on=None, feedback=None, grade_view=None)
    assert "not given yet" in " ".join(
        document_lines(audit_record_docx(replace(HALTON, iro_feedback=waiting)))
    )
    assert "The IRO's or conference chair's feedback" not in headings(audit_record_docx(HALTON))
