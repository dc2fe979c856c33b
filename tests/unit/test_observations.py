"""Observations of practice (issue 25, Bolton): the command's words, when the next is due, and
how a practitioner stands on a day."""

from __future__ import annotations

from datetime import date

import pytest

from bot.observations.command import ObservedRequest, ObservedUsageError, parse_observed
from bot.observations.due import DUE_SOON, OVERDUE, UP_TO_DATE, next_due, standing


def test_the_words_after_observed():
    assert parse_observed([]) == ObservedRequest()
    assert parse_observed(["<@U0PAT0001|pat>"]) == ObservedRequest("U0PAT0001")
    assert parse_observed(["<@U0PAT0001>", "2026-12-01", "joint", "visit"]) == ObservedRequest(
        "U0PAT0001", date(2026, 12, 1), "joint visit"
    )


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (["Pat"], "as a mention"),
        (["<@U0PAT0001>", "2026-13-01"], "is not a date"),
        (["<@U0PAT0001>", "x" * 501], "500 characters"),
    ],
)
def test_words_that_are_not_an_observation_are_explained(words, says):
    with pytest.raises(ObservedUsageError, match=says):
        parse_observed(words)


def test_the_next_is_due_a_year_on_and_a_leap_day_falls_back():
    assert next_due(date(2026, 12, 3), 12) == date(2027, 12, 3)
    assert next_due(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert next_due(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_how_a_practitioner_stands():
    today = date(2027, 1, 4)
    assert standing(None, today, 31) == OVERDUE  # never observed
    assert standing(date(2027, 1, 3), today, 31) == OVERDUE
    assert standing(date(2027, 1, 4), today, 31) == DUE_SOON
    assert standing(date(2027, 2, 4), today, 31) == DUE_SOON
    assert standing(date(2027, 2, 5), today, 31) == UP_TO_DATE
