"""The chasing rules on plain dates, the policy table's validation, and the plug-in registry."""

from datetime import date, datetime

import pytest

from bot.chasing.overdue import OVERDUE_KINDS
from bot.chasing.rules import OWNER, Step, chasing_day, ladder, reminder_due
from bot.core.calendar import WorkingCalendar
from bot.core.errors import ConfigError
from bot.policy.schema import ChaseRule, ChaseRules, Policy, load_policy

CALENDAR = WorkingCalendar("ENG")


def test_the_ladder_counts_working_days_after_the_due_date_skipping_bank_holidays():
    rule = ChaseRule(
        first_nudge_after=1,
        escalate_after={"team_manager": 2, "service_manager": 3, "head_of_service": 8},
    )
    assert ladder(date(2026, 12, 24), rule, CALENDAR) == [
        Step(OWNER, date(2026, 12, 29)),  # 25 and 28 December are bank holidays
        Step("team_manager", date(2026, 12, 30)),
        Step("service_manager", date(2026, 12, 31)),
        Step("head_of_service", date(2027, 1, 8)),  # 1 January too
    ]


def test_a_held_item_is_shown_again_after_the_repeat_interval():
    rule = ChaseRule(repeat_every=2)
    assert reminder_due(None, date(2026, 12, 14), rule, CALENDAR)
    assert not reminder_due(date(2026, 12, 11), date(2026, 12, 14), rule, CALENDAR)
    assert reminder_due(date(2026, 12, 11), date(2026, 12, 15), rule, CALENDAR)


@pytest.mark.parametrize(
    ("moment", "chased"),
    [
        (datetime(2026, 12, 14, 9, 59), False),
        (datetime(2026, 12, 14, 10, 0), True),
        (datetime(2026, 12, 14, 16, 59), True),
        (datetime(2026, 12, 14, 17, 0), False),
        (datetime(2026, 12, 12, 11, 0), False),  # Saturday
        (datetime(2026, 12, 28, 11, 0), False),  # Boxing Day (substitute)
    ],
)
def test_chasing_goes_on_working_days_from_the_nudge_time_within_working_hours(moment, chased):
    assert (chasing_day(Policy(), CALENDAR, moment) is not None) is chased


def test_every_kind_of_overdue_item_has_its_rule_and_its_finder():
    assert set(ChaseRules.model_fields) == set(OVERDUE_KINDS)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "chasing:\n  rules:\n    audit_overdue:\n      escalate_after: "
            "{service_manager: 9, head_of_service: 4}\n",
            "chasing.rules.audit_overdue: escalate_after must not reach a higher step",
        ),
        (
            "chasing:\n  rules:\n    action_overdue:\n      escalate_after: {director: 4}\n",
            "chasing.rules.action_overdue.escalate_after.director",
        ),
        ("chasing:\n  nudge_time: '07:30'\n", "nudge_time: must be inside calendar.working_hours"),
        ("chasing:\n  rules:\n    audit_overdue:\n      repeat_every: 0\n", "repeat_every"),
        ("team_digest:\n  weekday: sunday\n", "team_digest.weekday"),
    ],
)
def test_a_bad_chasing_policy_names_the_field(tmp_path, text, says):
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=says.replace(".", r"\.")):
        load_policy(path)
