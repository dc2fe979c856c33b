"""The re-audit's rules with plain values: sampling, its windows, and the form's checks."""

from datetime import date

import pytest

from bot.audit.rules import ActionRow
from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy
from bot.reaudit.rules import final_errors, first_incomplete_step, moved, verdict_errors
from bot.reaudit.sampling import (
    ALWAYS_INCLUDED,
    RANDOM,
    Candidate,
    per_manager_window,
    previous_month_window,
    sample_per_manager,
    sample_share,
    share_of,
)

FRAMEWORK = FrameworkPolicy()
DOMAIN = FRAMEWORK.domains[0]
REASON = "The chronology stops in August, so the child's story can't be followed."


def candidates(count, overall="Requires improvement to be good", managers=("a@x", "b@x")):
    return [
        Candidate(n, managers[n % len(managers)], date(2026, 11, 2), overall)
        for n in range(1, count + 1)
    ]


def test_the_per_manager_window_is_one_to_two_months_before_the_month():
    assert per_manager_window(Month(2026, 12)) == (date(2026, 10, 1), date(2026, 11, 1))
    assert per_manager_window(Month(2027, 1)) == (date(2026, 11, 1), date(2026, 12, 1))
    assert previous_month_window(Month(2027, 1)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_per_manager_draws_one_audit_for_each_manager_who_has_one():
    picks = sample_per_manager(candidates(7), "seed")
    assert len(picks) == 2
    by_manager = {c.audit_id: c.manager_email for c in candidates(7)}
    assert {by_manager[p.audit_id] for p in picks} == {"a@x", "b@x"}
    assert {p.pool_size for p in picks} == {3, 4}
    assert all(p.chosen_because == RANDOM for p in picks)


def test_per_manager_with_no_audits_draws_nothing():
    assert sample_per_manager([], "seed") == []


def test_the_same_seed_gives_the_same_sample_and_seeds_differ():
    pool = candidates(20, managers=("a@x",))
    assert sample_per_manager(pool, "s1") == sample_per_manager(list(reversed(pool)), "s1")
    assert len({sample_per_manager(pool, f"s{n}")[0].audit_id for n in range(30)}) > 1
    shared = dict(percent=30, always_include=["Good"], seed="s1")
    assert sample_share(pool, **shared) == sample_share(list(reversed(pool)), **shared)


@pytest.mark.parametrize(("count", "share"), [(0, 0), (1, 1), (3, 1), (10, 3), (11, 4)])
def test_the_share_is_rounded_up(count, share):
    assert share_of(count, 30) == share
    assert len(sample_share(candidates(count), percent=30, always_include=[], seed="s")) == share


def test_good_and_outstanding_audits_are_always_included_then_others_at_random():
    pool = candidates(10)
    pool[2] = Candidate(3, "a@x", date(2026, 11, 2), "Good")
    picks = sample_share(pool, percent=30, always_include=["Outstanding", "Good"], seed="s")
    assert len(picks) == 3
    assert [p.audit_id for p in picks if p.chosen_because == ALWAYS_INCLUDED] == [3]
    assert len([p for p in picks if p.chosen_because == RANDOM]) == 2


def test_when_all_are_good_all_are_moderated_beyond_the_share():
    picks = sample_share(
        candidates(10, overall="Good"), percent=30, always_include=["Good"], seed="s"
    )
    assert len(picks) == 10 and {p.chosen_because for p in picks} == {ALWAYS_INCLUDED}


def test_agreeing_needs_nothing_more():
    assert verdict_errors(FRAMEWORK, DOMAIN, "Good", {"verdict": "agree"}) == {}


def test_a_verdict_is_required():
    errors = verdict_errors(FRAMEWORK, DOMAIN, "Good", {})
    assert errors == {f"verdict__{DOMAIN.id}": "Please say whether you agree with this judgement."}


def test_disagreeing_needs_a_different_grade_and_a_reason():
    errors = verdict_errors(FRAMEWORK, DOMAIN, "Good", {"verdict": "disagree", "grade": "Good"})
    assert "That is the original grade" in errors[f"grade__{DOMAIN.id}"]
    assert "a changed judgement needs a reason" in errors[f"why__{DOMAIN.id}"]
    short = {"verdict": "disagree", "grade": "Inadequate", "reason": "Too thin."}
    assert "(9 so far)" in verdict_errors(FRAMEWORK, DOMAIN, "Good", short)[f"why__{DOMAIN.id}"]
    full = {"verdict": "disagree", "grade": "Inadequate", "reason": REASON}
    assert verdict_errors(FRAMEWORK, DOMAIN, "Good", full) == {}


def test_an_evaluative_framework_needs_only_a_reason_to_disagree():
    halton = FrameworkPolicy(grades=[])
    assert verdict_errors(halton, DOMAIN, None, {"verdict": "disagree", "reason": REASON}) == {}


def test_resume_goes_to_the_first_step_with_a_missing_verdict():
    answers = {d.id: {"verdict": "agree"} for d in FRAMEWORK.domains[:2]}
    assert first_incomplete_step(FRAMEWORK, answers, {}) == 1
    everything = {d.id: {"verdict": "agree"} for d in FRAMEWORK.domains}
    assert first_incomplete_step(FRAMEWORK, everything, {}) == 4


def test_grades_move_up_or_down_along_the_scale():
    grades = FRAMEWORK.grades
    assert moved(grades, "Good", "Outstanding") == "up"
    assert moved(grades, "Good", "Inadequate") == "down"
    assert moved(grades, "Good", None) is None
    assert moved([], None, None) is None


def test_the_last_step_needs_the_actions_answer_a_note_and_a_comment():
    today = date(2026, 12, 2)
    comment = {"comment": "A careful audit with clear actions."}
    errors = final_errors({}, [], audit_had_actions=True, today=today, owner_known=set())
    assert set(errors) == {"addressed", "comment"}
    partly = {**comment, "addressed": "partly"}
    errors = final_errors(partly, [], audit_had_actions=True, today=today, owner_known=set())
    assert set(errors) == {"addressed_note"}
    assert final_errors(comment, [], audit_had_actions=False, today=today, owner_known=set()) == {}
    late = [ActionRow(1, "Review the plan", "U1", date(2026, 12, 1))]
    errors = final_errors(comment, late, audit_had_actions=False, today=today, owner_known={"U1"})
    assert set(errors) == {"action_due_1"}
