"""The team digest's audit and re-audit counts over several months of history: this month's
work, and overdue work of any month, per team."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.chasing.team_digest import (
    DigestWeek,
    count_audit_month,
    count_reaudits,
    count_tac_summaries,
)
from bot.core.months import Month
from bot.policy.schema import TacInterval, TacPolicy
from bot.tac.checkpoint import tac_cases
from bot.tac.rules import TAC_CASE_TYPE
from models import Audit, Selection
from tests.support import factories

TODAY = date(2027, 1, 11)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def _audit(session, people, day: date) -> Audit:
    case = factories.case(session, people["north"], people["north_worker"])
    return factories.submitted_audit(session, people["north_tm"], case, _at(day))


def _open_selection(session, people, day: date, due_on: date) -> Selection:
    """A case drawn for North in `day`'s month whose audit is not submitted."""
    case = factories.case(session, people["north"], people["north_worker"])
    return factories.selected_case(session, people["north_tm"], case, _at(day), due_on)


def _reaudit(session, people, audit: Audit, month: str, due_on: date, status: str) -> None:
    moderator = people["service_manager"]
    factories.reaudit(
        session, audit, moderator, month=month, due_on=due_on, at=_at(due_on), status=status
    )


def _counts(counter, session, people, policy) -> dict[str, dict[str, int]]:
    week = DigestWeek(
        team_ids=[people["north"].id, people["south"].id],
        month=Month.of(TODAY),
        today=TODAY,
        policy=policy,
        since=_at(TODAY - timedelta(days=7)),
    )
    found = counter(session, week)
    return {
        name: {count.label: count.value for count in found[people[name].id]}
        for name in ("north", "south")
    }


def test_audits_completed_say_how_many_came_since_last_week(people, policy):
    session, people = people
    week = DigestWeek(
        team_ids=[people["north"].id],
        month=Month.of(TODAY),
        today=TODAY,
        policy=policy,
        since=_at(date(2027, 1, 4)),
    )
    for day in (date(2027, 1, 1), date(2027, 1, 5), date(2027, 1, 8)):
        _audit(session, people, day)
    completed = next(
        c
        for c in count_audit_month(session, week)[people["north"].id]
        if c.label == "Audits completed"
    )
    assert (completed.value, completed.since_last_week) == (3, 2)


def test_audit_counts_take_this_month_and_the_overdue_of_any_month(people, policy):
    session, people = people
    _audit(session, people, date(2025, 3, 20))  # long done: in no count
    _audit(session, people, date(2027, 1, 8))  # this month, completed
    _open_selection(session, people, date(2026, 11, 2), due_on=date(2026, 11, 30))
    _open_selection(session, people, date(2026, 12, 1), due_on=date(2026, 12, 31))
    _open_selection(session, people, date(2027, 1, 4), due_on=date(2027, 1, 29))
    counts = _counts(count_audit_month, session, people, policy)
    assert counts["north"] == {
        "Cases selected this month": 2,
        "Discussions booked": 0,
        "Discussions held": 0,
        "Audits completed": 1,
        "Audits overdue": 2,
    }
    assert set(counts["south"].values()) == {0}


def test_reaudit_counts_take_this_month_and_the_overdue_of_any_month(people, policy):
    session, people = people
    audits = [_audit(session, people, date(2026, 10, day)) for day in range(1, 6)]
    _reaudit(session, people, audits[0], "2025-06", date(2025, 6, 30), "submitted")
    _reaudit(session, people, audits[1], "2026-11", date(2026, 11, 30), "started")  # overdue
    _reaudit(session, people, audits[2], "2027-01", date(2027, 1, 8), "drawn")  # overdue
    _reaudit(session, people, audits[3], "2027-01", date(2027, 1, 29), "submitted")
    _reaudit(session, people, audits[4], "2027-01", date(2027, 1, 29), "drawn")
    counts = _counts(count_reaudits, session, people, policy)
    assert counts["north"] == {
        "Re-audits drawn this month": 3,
        "Re-audits done": 1,
        "Re-audits overdue": 2,
    }
    assert set(counts["south"].values()) == {0}


def test_tac_summaries_due_count_the_cases_the_full_rule_says_need_attention(people, policy):
    """The count reads four columns per case after a cutoff; it must agree with every open TAC
    case loaded whole and judged by the rule (both team types, a newly qualified worker)."""
    session, people = people
    newly = factories.person(session, "Nell New", "practitioner", people["north"])
    newly.newly_qualified = True
    policy = policy.model_copy(
        update={"tac": TacPolicy(newly_qualified_cadence=TacInterval(weeks=6))}
    )
    for team, worker in (
        ("north", people["north_worker"]),
        ("north", newly),
        ("south", people["south_worker"]),
    ):
        for days_ago in (None, 0, 30, 45, 60, 100, 160, 180, 400):
            case = factories.case(session, people[team], worker, case_type=TAC_CASE_TYPE)
            if days_ago is not None:
                case.tac_last_summary_on = TODAY - timedelta(days=days_ago)
        factories.case(session, people[team], worker, case_type=TAC_CASE_TYPE, status="closed")
    session.flush()
    every_case = tac_cases(
        session,
        policy=policy.tac,
        today=TODAY,
        team_ids=[people["north"].id, people["south"].id],
        with_decisions=False,
    )
    judged = Counter(item.case.team_id for item in every_case if item.status.needs_attention)
    counts = _counts(count_tac_summaries, session, people, policy)
    assert [*counts["north"].values(), *counts["south"].values()] == [
        judged[people["north"].id],
        judged[people["south"].id],
    ]
    assert 0 < judged[people["south"].id] < judged[people["north"].id] < 18
