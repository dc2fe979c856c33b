"""The TAC summary rules: cadences, flags, ordering, and when the scheduled TAC work is due."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.policy.schema import TacInterval, TacPolicy
from bot.tac.rules import (
    add_months,
    attention_cutoffs,
    cadence_words,
    checkpoint_order,
    latest_due_reminded_by,
    month_end_list_due,
    page_bounds,
    summary_status,
    task_reminder_day,
    task_reminder_due,
    weekly_digest_due,
)

POLICY = TacPolicy()
CAL = WorkingCalendar("ENG")


def status(
    last,
    team_type="short_term",
    today=date(2026, 12, 1),
    newly_qualified=False,
    opened_on=None,
    **kw,
):
    policy = TacPolicy(**kw) if kw else POLICY
    return summary_status(
        last,
        team_type=team_type,
        newly_qualified=newly_qualified,
        today=today,
        policy=policy,
        opened_on=opened_on,
    )


def test_a_short_term_team_is_due_ten_weeks_after_the_last_summary():
    assert status(date(2026, 10, 1)).next_due_on == date(2026, 12, 10)


def test_a_long_term_team_is_due_six_calendar_months_after():
    assert status(date(2026, 9, 15), "long_term").next_due_on == date(2027, 3, 15)


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (date(2026, 8, 31), date(2027, 2, 28)),  # no 31 February: the month's last day
        (date(2027, 8, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 31), date(2026, 9, 30)),
        (date(2026, 7, 31), date(2027, 1, 31)),  # across the year end
        (date(2026, 2, 28), date(2026, 8, 28)),
    ],
)
def test_six_months_at_month_ends(last, due):
    assert status(last, "long_term", today=date(2026, 1, 1)).next_due_on == due
    assert add_months(last, 6) == due


def test_a_case_never_summarised_is_due_now_and_always_flagged():
    never = status(None)
    assert never.next_due_on is None
    assert never.never and never.needs_attention
    assert never.flags == ("never",)


def test_a_case_never_summarised_is_due_its_first_a_cadence_after_the_tac_started():
    """Seed 000: a summary is needed "if one hasn't been completed for ten weeks"."""
    today = date(2026, 11, 30)
    opened_now = status(None, today=today, opened_on=date(2026, 11, 23))
    assert opened_now.never and opened_now.next_due_on == date(2027, 2, 1)  # 10 weeks later
    assert opened_now.flags == ("never",)  # flagged in the checkpoint, not in the digest
    assert not opened_now.needs_attention and opened_now.urgency == 3
    soon = status(None, today=today, opened_on=date(2026, 10, 1))  # first due 10 December
    assert soon.flags == ("never", "due_soon") and soon.needs_attention and soon.urgency == 0
    late = status(None, today=today, opened_on=date(2026, 6, 1))  # first due 10 August
    assert late.flags == ("never", "overdue") and late.urgency == 0
    long_term = status(None, "long_term", today=today, opened_on=date(2026, 6, 30))
    assert long_term.next_due_on == date(2026, 12, 30) and not long_term.needs_attention
    weekly = TacPolicy(cadence={"short_term": {"weeks": 4}, "long_term": {"months": 6}})
    by_policy = summary_status(
        None,
        team_type="short_term",
        newly_qualified=False,
        today=today,
        policy=weekly,
        opened_on=date(2026, 11, 9),
    )
    assert by_policy.next_due_on == date(2026, 12, 7) and by_policy.due_soon  # 4 weeks later


def test_overdue_due_soon_and_not_due():
    today = date(2026, 12, 1)
    # short-term: due 10 weeks after; due_soon within 14 days (inclusive)
    assert status(date(2026, 9, 21), today=today).flags == ("overdue",)  # due 30 November
    assert status(date(2026, 9, 22), today=today).flags == ("due_soon",)  # due today
    assert status(date(2026, 10, 6), today=today).flags == ("due_soon",)  # due 15 December
    assert status(date(2026, 10, 7), today=today).flags == ()  # due 16 December
    assert not status(date(2026, 10, 7), today=today).needs_attention


def test_newly_qualified_is_flagged_and_keeps_the_cadence_by_default():
    nq = status(date(2026, 10, 15), newly_qualified=True)
    assert nq.newly_qualified and nq.flags == ("newly_qualified",)
    assert nq.next_due_on == date(2026, 12, 24)
    assert not nq.needs_attention  # flagged in the checkpoint, not a digest item on its own
    assert status(date(2026, 10, 1), newly_qualified=True).flags == ("due_soon", "newly_qualified")


def test_newly_qualified_follows_a_shorter_cadence_when_the_policy_sets_one():
    shorter = {"newly_qualified_cadence": TacInterval(weeks=6)}
    nq = status(date(2026, 10, 1), newly_qualified=True, **shorter)
    assert nq.next_due_on == date(2026, 11, 12)
    assert nq.flags == ("overdue", "newly_qualified")
    assert status(date(2026, 10, 1), **shorter).next_due_on == date(2026, 12, 10)


def test_the_cadence_and_window_come_from_the_policy():
    policy = {
        "cadence": {"short_term": TacInterval(weeks=8), "long_term": TacInterval(months=3)},
        "due_soon_days": 7,
    }
    assert status(date(2026, 10, 1), **policy).next_due_on == date(2026, 11, 26)
    assert status(date(2026, 10, 1), "long_term", **policy).next_due_on == date(2027, 1, 1)
    assert cadence_words(TacInterval(weeks=10)) == "every 10 weeks"
    assert cadence_words(TacInterval(months=1)) == "every month"


@pytest.mark.parametrize(
    "policy",
    [
        POLICY,
        TacPolicy(newly_qualified_cadence=TacInterval(weeks=6)),
        TacPolicy(
            cadence={"short_term": {"months": 1}, "long_term": {"weeks": 30}}, due_soon_days=0
        ),
    ],
)
def test_no_case_summarised_after_its_cutoff_needs_attention(policy):
    """The digests' query leaves those cases out unloaded: it must never leave out one that
    needs attention. Every last-summary date over two years, each team type and practitioner."""
    today = date(2026, 3, 31)  # months of 31, 30 and 28 days back from here
    cutoffs = attention_cutoffs(policy, today)
    for days_ago in range(0, 730):
        last = today - timedelta(days=days_ago)
        for team_type, cutoff in (
            ("short_term", cutoffs.short_term),
            ("long_term", cutoffs.long_term),
        ):
            for newly_qualified in (False, True):
                skipped = last > cutoff and not (
                    newly_qualified and cutoffs.newly_qualified and last <= cutoffs.newly_qualified
                )
                found = status(last, team_type, today, newly_qualified, **policy.model_dump())
                assert not (skipped and found.needs_attention), (last, team_type, newly_qualified)
                started = status(
                    None, team_type, today, newly_qualified, last, **policy.model_dump()
                )
                assert not (skipped and started.needs_attention), (last, team_type)


def test_the_cutoff_skips_most_recently_summarised_cases():
    cutoffs = attention_cutoffs(POLICY, date(2026, 6, 1))
    assert cutoffs.short_term == date(2026, 6, 1) + timedelta(days=14 - 70)
    assert cutoffs.long_term == date(2026, 6, 1) + timedelta(days=14 - 6 * 28)
    assert cutoffs.newly_qualified is None


def test_the_checkpoint_lists_never_then_overdue_then_due_soon_then_the_rest():
    today = date(2026, 12, 1)
    cases = {
        "A-rest": status(date(2026, 11, 1), today=today),
        "B-soon": status(date(2026, 10, 1), today=today),
        "C-never": status(None, today=today),
        "D-overdue-late": status(date(2026, 9, 1), today=today),
        "E-overdue-early": status(date(2026, 6, 1), today=today),
    }
    ordered = sorted(cases, key=lambda ref: checkpoint_order(cases[ref], ref))
    assert ordered == ["C-never", "E-overdue-early", "D-overdue-late", "B-soon", "A-rest"]


def test_pages():
    assert page_bounds(60, 15) == [(0, 15), (15, 30), (30, 45), (45, 60)]
    assert page_bounds(16, 15) == [(0, 15), (15, 16)]
    assert page_bounds(3, 15) == [(0, 3)]


# -- schedule --------------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_weekly_digest_is_due_from_monday_0900():
    assert weekly_digest_due(POLICY, CAL, at("2026-11-30T08:59")) is None
    assert weekly_digest_due(POLICY, CAL, at("2026-11-30T09:00")) == date(2026, 11, 30)
    # catch-up later in the week, for the same week
    assert weekly_digest_due(POLICY, CAL, at("2026-12-03T15:00")) == date(2026, 11, 30)
    assert weekly_digest_due(POLICY, CAL, at("2026-12-05T10:00")) is None  # Saturday


def test_after_a_bank_holiday_monday_the_digest_goes_on_tuesday():
    # 25 May 2026 is the Spring bank holiday
    assert weekly_digest_due(POLICY, CAL, at("2026-05-25T10:00")) is None
    assert weekly_digest_due(POLICY, CAL, at("2026-05-26T08:59")) is None
    assert weekly_digest_due(POLICY, CAL, at("2026-05-26T09:00")) == date(2026, 5, 25)


def test_the_digest_day_and_time_come_from_the_policy():
    policy = TacPolicy(digest_weekday="wednesday", digest_time="13:30")
    assert weekly_digest_due(policy, CAL, at("2026-12-02T13:29")) is None
    assert weekly_digest_due(policy, CAL, at("2026-12-02T13:30")) == date(2026, 12, 2)
    # the digest week runs from its day: a Tuesday still catches up the last Wednesday's
    assert weekly_digest_due(policy, CAL, at("2026-12-08T10:00")) == date(2026, 12, 2)


@pytest.mark.parametrize(
    ("now", "month"),
    [
        ("2026-11-30T15:59", None),
        ("2026-11-30T16:00", Month(2026, 11)),  # Monday 30 November: the last working day
        ("2026-12-01T10:00", Month(2026, 11)),  # caught up after downtime
        ("2026-12-03T10:00", Month(2026, 11)),
        ("2026-12-04T10:00", None),  # more than 3 working days late: left alone
        ("2026-08-28T16:00", Month(2026, 8)),  # 31 August 2026 is a bank holiday (Monday)
        ("2026-05-29T16:30", Month(2026, 5)),  # 31 May 2026 is a Sunday
        ("2026-12-31T16:00", Month(2026, 12)),
        ("2026-12-31T15:00", None),
    ],
)
def test_the_month_end_list_is_due_on_the_last_working_day(now, month):
    assert month_end_list_due(POLICY, CAL, at(now)) == month


@pytest.mark.parametrize("days_before", [1, 2, 5])
def test_no_task_due_after_the_sweeps_bound_is_reminded_today(days_before):
    """The sweep loads only tasks due by `latest_due_reminded_by`: every task it leaves out
    must have its reminder day after today. Every day of a year with Easter and Christmas, due
    dates up to six weeks on."""
    policy = TacPolicy(task_reminder_working_days_before=days_before)
    for offset in range(366):
        today = date(2026, 1, 1) + timedelta(days=offset)
        bound = latest_due_reminded_by(today, policy, CAL)
        assert bound >= today + timedelta(days=days_before)
        for ahead in range(1, 43):
            due_on = today + timedelta(days=ahead)
            if due_on > bound:
                assert task_reminder_day(due_on, policy, CAL) > today, (today, due_on)
    assert (
        latest_due_reminded_by(today, TacPolicy(task_reminder_working_days_before=0), CAL) is None
    )


def test_task_reminders_go_once_a_few_working_days_before():
    # due Wednesday 16 December: 2 working days before is Monday 14 December
    assert task_reminder_day(date(2026, 12, 16), POLICY, CAL) == date(2026, 12, 14)
    # due Tuesday 29 December: Christmas Day and the Boxing Day holiday are skipped
    assert task_reminder_day(date(2026, 12, 29), POLICY, CAL) == date(2026, 12, 23)
    assert (
        task_reminder_day(date(2026, 12, 16), TacPolicy(task_reminder_working_days_before=0), CAL)
        is None
    )

    def due(now: str, created: date = date(2026, 12, 1)) -> bool:
        return task_reminder_due(
            due_on=date(2026, 12, 16),
            created_on=created,
            policy=POLICY,
            calendar=CAL,
            local_now=at(now),
        )

    assert not due("2026-12-11T12:00")
    assert not due("2026-12-14T08:59")
    assert due("2026-12-14T09:00")
    assert due("2026-12-16T09:00")  # caught up until the due date
    assert not due("2026-12-17T09:00")
    assert not due("2026-12-14T09:00", created=date(2026, 12, 14))  # the task DM is recent
