"""The supervision-gap question's rules (issue 25, Sefton): its wording from the policy, how a
gap of so many months is measured, and what a yes must say."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.audit.record_document import SupervisionGapLine, audit_record_docx
from bot.audit.supervision_gap import gap_question, months_after, supervision_gap_errors
from bot.policy.schema import FrameworkPolicy
from tests.support.word import document_lines, headings
from tests.unit.test_record_document import HALTON

SIX = FrameworkPolicy(supervision_gap={"enabled": True})
TODAY = date(2026, 11, 27)
YES = {
    "supervision_gap": "yes",
    "gap_from": "2026-05-27",
    "gap_to": "2026-11-27",
    "gap_reason": "No supervisor while the post was vacant.",
    "gap_action": "Supervision booked monthly from December.",
    "gap_action_due": "2026-12-11",
}


def test_the_question_says_the_policys_months_in_words():
    assert "six months or more" in gap_question(SIX)
    three = FrameworkPolicy(supervision_gap={"enabled": True, "months": 3})
    assert "three months or more" in gap_question(three)
    assert "one month or more" in gap_question(
        FrameworkPolicy(supervision_gap={"enabled": True, "months": 1})
    )


@pytest.mark.parametrize(
    ("day", "months", "later"),
    [
        (date(2026, 5, 27), 6, date(2026, 11, 27)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # February has no 31st
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
    ],
)
def test_months_after(day, months, later):
    assert months_after(day, months) == later


def test_no_gap_needs_nothing_more_and_exactly_six_months_is_a_gap():
    assert supervision_gap_errors(SIX, {"supervision_gap": "no"}, today=TODAY) == {}
    assert supervision_gap_errors(SIX, YES, today=TODAY) == {}
    short = YES | {"gap_from": "2026-05-28"}
    assert "less than 6 months" in supervision_gap_errors(SIX, short, today=TODAY)["gap_to"]


def test_an_unanswered_question_is_refused():
    errors = supervision_gap_errors(SIX, {}, today=TODAY)
    assert list(errors) == ["supervision_gap"]


def test_the_record_for_the_childs_file_shows_the_gap():
    gap = SupervisionGapLine(
        gap_from=date(2026, 3, 2),
        gap_to=date(2026, 11, 27),
        reason="No supervisor while the post was vacant.",
        action="Supervision booked monthly.",
        action_due=date(2026, 12, 11),
        acknowledged_by="Sam Service",
    )
    content = audit_record_docx(replace(HALTON, supervision_gap=gap))
    lines = document_lines(content)
    assert "Immediate response: a gap in supervision" in headings(content)
    assert "No recorded supervision: from Monday 2 March 2026 to Friday 27 November 2026." in lines
    assert "Action agreed: Supervision booked monthly. By Friday 11 December 2026." in lines
    assert "Acknowledged by: Sam Service" in lines
