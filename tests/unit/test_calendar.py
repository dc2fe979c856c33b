from datetime import date

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month


def test_christmas_2026_bank_holidays_are_not_working_days(working_calendar: WorkingCalendar):
    assert not working_calendar.is_working_day(date(2026, 12, 25))  # Friday, Christmas Day
    assert not working_calendar.is_working_day(date(2026, 12, 26))  # Saturday, Boxing Day
    assert not working_calendar.is_working_day(date(2026, 12, 28))  # Monday, Boxing Day observed
    assert working_calendar.is_working_day(date(2026, 12, 24))
    assert working_calendar.is_working_day(date(2026, 12, 29))
    assert working_calendar.bank_holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"


def test_adding_working_days_skips_christmas_and_the_weekend(working_calendar: WorkingCalendar):
    assert working_calendar.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert working_calendar.add_working_days(date(2026, 12, 24), 0) == date(2026, 12, 24)
    assert working_calendar.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1


def test_first_and_last_working_days_of_a_month(working_calendar: WorkingCalendar):
    assert working_calendar.first_working_day(Month(2026, 12)) == date(2026, 12, 1)
    assert working_calendar.last_working_day(Month(2026, 12)) == date(2026, 12, 31)
    # 1 January 2027 is a bank holiday (Friday): the first working day is Monday 4th.
    assert working_calendar.first_working_day(Month(2027, 1)) == date(2027, 1, 4)
    # 31 January 2027 is a Sunday.
    assert working_calendar.last_working_day(Month(2027, 1)) == date(2027, 1, 29)
    # August 2026 ends on the Late Summer bank holiday (Monday 31st).
    assert working_calendar.last_working_day(Month(2026, 8)) == date(2026, 8, 28)


def test_scotland_has_its_own_bank_holidays():
    scotland = WorkingCalendar("SCT")
    england = WorkingCalendar("ENG")
    assert not scotland.is_working_day(date(2027, 1, 4))  # 2 January substitute day
    assert england.is_working_day(date(2027, 1, 4))


def test_months_parse_and_step():
    assert Month.parse("2026-12").plus(1) == Month(2027, 1)
    assert Month.parse("2026-01").plus(-12) == Month(2025, 1)
    assert str(Month(2026, 3)) == "2026-03"
    assert Month(2026, 12).label == "December 2026"
    for bad in ("2026-13", "26-12", "December", "2026-1", ""):
        try:
            Month.parse(bad)
        except ValueError as error:
            assert "YYYY-MM" in str(error)
        else:
            raise AssertionError(f"{bad!r} accepted")
