from datetime import datetime

from bot.audit.rules import domain_errors, domain_steps, first_incomplete_step, step_count
from bot.core.calendar import LONDON
from bot.policy.schema import Domain, FrameworkPolicy


def framework(domains: int, per_step: int = 2, grades=None) -> FrameworkPolicy:
    return FrameworkPolicy(
        domains=[Domain(id=f"d{n}", title=f"Domain {n}") for n in range(domains)],
        domains_per_step=per_step,
        grades=["Good", "Inadequate"] if grades is None else grades,
        min_justification_chars=10,
    )


def test_a_long_framework_is_split_into_steps_never_cut():
    long = framework(25, per_step=4)
    steps = domain_steps(long)
    assert [len(step) for step in steps] == [4, 4, 4, 4, 4, 4, 1]
    assert step_count(long) == 8
    assert [d.id for step in steps for d in step] == [f"d{n}" for n in range(25)]


def test_the_default_framework_is_sefton_in_five_steps():
    default = FrameworkPolicy()
    assert len(default.domains) == 7 and step_count(default) == 5
    assert default.grades[0] == "Outstanding"


def test_resume_goes_to_the_first_step_with_a_gap():
    f = framework(5)
    good = {"grade": "Good", "justification": "Clear evidence here."}
    assert first_incomplete_step(f, {}) == 0
    assert first_incomplete_step(f, {"d0": good, "d1": good, "d2": good}) == 1
    assert first_incomplete_step(f, {f"d{n}": good for n in range(5)}) == 3  # the final step
    assert first_incomplete_step(f, {"d0": good, "d1": {"grade": "Good"}}) == 0


def test_evaluative_statements_need_no_grade():
    f = framework(2, grades=[])
    domain = f.domains[0]
    assert domain_errors(f, domain, None, "Strong voice of the child.") == {}
    assert "evaluation" in domain_errors(f, domain, None, "")["why__d0"]


def test_working_hours_skip_evenings_weekends_and_bank_holidays(working_calendar):
    friday_4pm = datetime(2026, 12, 4, 16, 0, tzinfo=LONDON)
    assert working_calendar.add_working_hours(friday_4pm, 4) == datetime(
        2026, 12, 7, 12, 0, tzinfo=LONDON
    )
    christmas_eve = datetime(2026, 12, 24, 15, 0, tzinfo=LONDON)
    assert working_calendar.add_working_hours(christmas_eve, 4) == datetime(
        2026, 12, 29, 11, 0, tzinfo=LONDON
    )
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=LONDON)
    assert working_calendar.add_working_hours(saturday, 1) == datetime(
        2026, 12, 7, 10, 0, tzinfo=LONDON
    )
