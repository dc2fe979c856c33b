"""Moderation's rules with plain values and fixed days: when a re-audit is due (the moderation
window), the overall judgement's checks and its move up or down, and "this audit cannot be
used"."""

from datetime import UTC, date, datetime

import pytest

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy, ReauditPolicy
from bot.reaudit.draw import ReauditOutcome
from bot.reaudit.due import reaudit_due_on, window_closes_on
from bot.reaudit.rules import (
    ADMISSIBILITY,
    OVERALL,
    admissibility_errors,
    asks_overall,
    first_incomplete_step,
    inadmissible_reason,
    moved,
    overall_errors,
)
from messages import render

CALENDAR = WorkingCalendar("ENG")
FRAMEWORK = FrameworkPolicy()
UNGRADED = FrameworkPolicy(grades=[])
REASON = "The plan has not been reviewed since August, so the grade is generous."
LOWER = "Requires improvement to be good"
DECEMBER, JANUARY = Month(2026, 12), Month(2027, 1)


@pytest.mark.parametrize(
    ("day", "month", "closes"),
    [
        (10, DECEMBER, date(2026, 12, 10)),  # a Thursday
        (12, DECEMBER, date(2026, 12, 14)),  # Saturday 12th: the Monday after
        (1, JANUARY, date(2027, 1, 4)),  # New Year's Day, then the weekend
        (10, JANUARY, date(2027, 1, 11)),  # Sunday 10th
    ],
)
def test_the_window_closes_on_its_day_or_the_next_working_day(day, month, closes):
    assert window_closes_on(CALENDAR, day, month) == closes


def test_without_a_window_a_re_audit_is_due_at_the_end_of_its_month():
    rules = ReauditPolicy()
    assert reaudit_due_on(rules, CALENDAR, DECEMBER, date(2026, 12, 1)) == date(2026, 12, 31)
    assert reaudit_due_on(rules, CALENDAR, JANUARY, date(2026, 12, 2)) == date(2027, 1, 29)
    counted = ReauditPolicy(due_working_days=10)
    # Ten working days from Tuesday 1 December: Tuesday 15 December.
    assert reaudit_due_on(counted, CALENDAR, DECEMBER, date(2026, 12, 1)) == date(2026, 12, 15)


def test_with_a_window_a_re_audit_is_due_when_moderation_closes():
    rules = ReauditPolicy(moderation_window_day=10, due_working_days=10)
    # The draw of December (November's audits), on its first working day.
    assert reaudit_due_on(rules, CALENDAR, DECEMBER, date(2026, 12, 1)) == date(2026, 12, 10)
    # An audit of December, given out as it is submitted: January's window.
    assert reaudit_due_on(rules, CALENDAR, JANUARY, date(2026, 12, 2)) == date(2027, 1, 11)
    # The closing day itself is still in time.
    assert reaudit_due_on(rules, CALENDAR, DECEMBER, date(2026, 12, 10)) == date(2026, 12, 10)


def test_a_window_already_closed_gives_way_to_the_usual_rule():
    late = date(2026, 12, 11)
    assert reaudit_due_on(
        ReauditPolicy(moderation_window_day=10), CALENDAR, DECEMBER, late
    ) == date(2026, 12, 31)
    assert reaudit_due_on(
        ReauditPolicy(moderation_window_day=10, due_working_days=5), CALENDAR, DECEMBER, late
    ) == date(2026, 12, 18)


def test_the_yearly_sample_ignores_the_window():
    rules = ReauditPolicy(moderation_window_day=10)
    due = reaudit_due_on(rules, CALENDAR, DECEMBER, date(2026, 12, 1), windowed=False)
    assert due == date(2026, 12, 31)


def test_the_overall_judgement_is_asked_on_a_graded_framework_of_an_audit_that_gave_one():
    assert asks_overall(FRAMEWORK, "Good")
    assert not asks_overall(FRAMEWORK, None)
    assert not asks_overall(UNGRADED, "The plan is working.")
    assert overall_errors(UNGRADED, "The plan is working.", {}) == {}


def test_agreeing_with_the_overall_judgement_needs_nothing_more():
    assert overall_errors(FRAMEWORK, "Good", {"verdict": "agree"}) == {}


def test_a_different_overall_judgement_needs_another_grade_and_a_reason():
    assert overall_errors(FRAMEWORK, "Good", {}) == {
        f"verdict__{OVERALL}": "Please say whether you agree with the overall judgement."
    }
    errors = overall_errors(FRAMEWORK, "Good", {"verdict": "disagree"})
    assert errors[f"grade__{OVERALL}"] == "Please choose the grade you would give."
    assert "needs a reason" in errors[f"why__{OVERALL}"]
    same = overall_errors(FRAMEWORK, "Good", {"verdict": "disagree", "grade": "Good"})
    assert "That is the original grade" in same[f"grade__{OVERALL}"]
    short = overall_errors(
        FRAMEWORK, "Good", {"verdict": "disagree", "grade": LOWER, "reason": "x"}
    )
    assert short == {
        f"why__{OVERALL}": "Please say a little more: at least 40 characters (1 so far)."
    }
    answer = {"verdict": "disagree", "grade": LOWER, "reason": REASON}
    assert overall_errors(FRAMEWORK, "Good", answer) == {}


def test_the_overall_judgement_moves_by_the_grade_order_best_first():
    assert moved(FRAMEWORK.grades, "Good", LOWER) == "down"
    assert moved(FRAMEWORK.grades, "Good", "Outstanding") == "up"
    assert moved(FRAMEWORK.grades, "Good", "Good") is None


def test_resume_goes_to_the_last_domain_step_until_the_overall_judgement_is_answered():
    original = {domain.id: {"grade": "Good"} for domain in FRAMEWORK.domains}
    answers = {domain.id: {"verdict": "agree"} for domain in FRAMEWORK.domains}
    assert first_incomplete_step(FRAMEWORK, answers, original) == 4  # not asked: the last step
    assert first_incomplete_step(FRAMEWORK, answers, original, "Good") == 3
    answers[OVERALL] = {"verdict": "agree"}
    assert first_incomplete_step(FRAMEWORK, answers, original, "Good") == 4


def test_an_audit_can_be_used_unless_the_moderator_gives_a_reason():
    assert inadmissible_reason({}) is None
    assert inadmissible_reason({"admissible": "admissible"}) is None
    assert inadmissible_reason({"admissible": "case_transferred"}) == "case_transferred"
    assert admissibility_errors({"admissible": "admissible"}) == {}
    assert admissibility_errors({"admissible": "file_incomplete"}) == {}
    assert admissibility_errors({"admissible": "lost"}) == {
        "admissible": "Please choose whether this audit can be used."
    }
    assert admissibility_errors({"admissible": "other", "inadmissible_note": " too   short "}) == {
        "inadmissible_note": "Please say why this audit cannot be used."
    }
    assert admissibility_errors({"admissible": "other", "inadmissible_note": REASON}) == {}
    assert list(ADMISSIBILITY.values()) == [
        "Yes: it can be used",
        "No: wrong case type",
        "No: file incomplete",
        "No: case transferred",
        "No: other",
    ]


def test_the_draw_by_hand_with_every_audit_says_there_is_no_draw():
    outcome = ReauditOutcome(
        month=DECEMBER,
        kind="monthly",
        created=False,
        drawn_at=datetime(2026, 12, 2, tzinfo=UTC),
        drawn_by="policy",
        criteria={"sampling": "every_audit", "moderator_role": "panel", "unassigned": 1},
    )
    assert outcome.rule == "every audit of December 2026, as soon as it is submitted"
    text = str(render("reaudit_reply", outcome=outcome))
    assert "Every audit is moderated" in text and "0 audits sent for moderation so far" in text
    assert "no member of the moderation panel on Slack could moderate 1" in text
