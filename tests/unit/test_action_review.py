"""When the manager's reviews of an audit's actions fall due, and what a review needs (issue 25,
Bolton: "reviewed within 1 month, and again the following month")."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from bot.audit.action_review import review_due_on, review_errors, reviews_due
from bot.core.calendar import WorkingCalendar
from bot.policy.schema import Policy

CALENDAR = WorkingCalendar("ENG")


def test_a_review_falls_on_the_same_day_months_later_or_the_next_working_day():
    assert review_due_on(date(2026, 11, 2), 1, CALENDAR) == date(2026, 12, 2)
    assert review_due_on(date(2026, 12, 2), 1, CALENDAR) == date(2027, 1, 4)  # Saturday 2nd
    assert review_due_on(date(2027, 1, 31), 1, CALENDAR) == date(2027, 3, 1)  # Sunday 28 Feb
    assert review_due_on(date(2026, 11, 25), 1, CALENDAR) == date(2026, 12, 29)  # Christmas


def test_each_review_is_due_from_its_day_until_the_next_ones():
    audited, months = date(2026, 11, 2), [1, 2]
    assert reviews_due(audited, months, date(2026, 12, 1), CALENDAR) == []
    assert reviews_due(audited, months, date(2026, 12, 2), CALENDAR) == [1]
    assert reviews_due(audited, months, date(2026, 12, 31), CALENDAR) == [1]
    assert reviews_due(audited, months, date(2027, 1, 4), CALENDAR) == [2]
    assert reviews_due(audited, months, date(2027, 2, 2), CALENDAR) == []  # long past


def test_each_action_needs_how_it_stands_and_a_note_unless_done():
    notes = {1: "", 2: "short", 3: "Waiting for the school to reply."}
    errors = review_errors([1, 2, 3, 4], {1: "done", 2: "in_progress", 3: "not_started"}, notes)
    assert set(errors) == {"note_2", "progress_4"}
    assert review_errors([1], {1: "done"}, {1: ""}) == {}


def test_off_by_default_and_a_bad_list_is_refused_naming_the_field():
    assert Policy().audit.action_review_months == []
    for bad in ([2, 1], [1, 1], [0], [13]):
        with pytest.raises(ValidationError, match="audit.action_review_months"):
            Policy(audit={"action_review_months": bad})
