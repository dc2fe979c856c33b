"""The rules of extensions at fixed dates: when more time may be asked for, what a request must
give, and which need approval."""

from __future__ import annotations

from datetime import date

import pytest

from bot.extensions.rules import (
    ALREADY_SUBMITTED,
    TURNED_OFF,
    WAITING,
    extension_errors,
    more_time_refusal,
    needs_approval,
)

DUE = date(2026, 12, 31)  # Thursday
REASON = "The practitioner is on leave until the new year."


@pytest.mark.parametrize(
    ("until", "reason", "expected"),
    [
        (date(2027, 1, 8), REASON, {}),
        (None, REASON, {"until": "Pick the new due date."}),
        (
            DUE,
            REASON,
            {"until": "Pick a date after the current due date, Thursday 31 December 2026."},
        ),
        (
            date(2027, 1, 1),
            REASON,
            {"until": "Friday 1 January 2027 is not a working day: pick another."},
        ),
        (
            date(2027, 1, 8),
            "  short   ",
            {"reason": "Say why more time is needed (at least 10 characters)."},
        ),
    ],
)
def test_what_a_request_must_give(working_calendar, until, reason, expected):
    assert extension_errors(until, DUE, reason, working_calendar) == expected


def test_the_limit_is_counted_in_working_days(working_calendar, policy):
    limit = policy.audit.extension_limit_working_days
    assert limit == 5
    # New Year's Day and the weekend do not count: the 8th is 5 working days after the 31st.
    assert working_calendar.working_days_between(DUE, date(2027, 1, 8)) == 5
    assert not needs_approval(5, limit)
    assert needs_approval(working_calendar.working_days_between(DUE, date(2027, 1, 11)), limit)


@pytest.mark.parametrize(
    ("submitted", "waiting", "expected"),
    [(False, False, None), (False, True, WAITING), (True, False, ALREADY_SUBMITTED)],
)
def test_more_time_is_for_an_unsubmitted_audit_with_no_request_waiting(
    submitted, waiting, expected
):
    assert more_time_refusal(submitted=submitted, waiting=waiting) == expected


def test_extensions_turned_off_by_policy_are_refused_whatever_the_state():
    assert more_time_refusal(submitted=False, waiting=False, enabled=False) == TURNED_OFF


def test_a_date_beyond_the_policy_cap_is_refused_on_its_field(working_calendar):
    # The 8th is 5 working days after the 31st; the 11th is 6.
    assert extension_errors(date(2027, 1, 8), DUE, REASON, working_calendar, 5) == {}
    assert extension_errors(date(2027, 1, 11), DUE, REASON, working_calendar, 5) == {
        "until": "An extension can be at most 5 working days: pick Friday 8 January 2027 or "
        "earlier."
    }
