import subprocess
import sys
from datetime import date

import holidays
import pytest

from bot.core.calendar import WorkingCalendar, united_kingdom_holidays
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


@pytest.mark.parametrize("division", ["ENG", "NIR", "SCT", "WLS"])
def test_the_united_kingdom_calendar_loaded_alone_agrees_with_the_holidays_package(division):
    years = range(2015, 2036)
    loaded_alone = united_kingdom_holidays()(subdiv=division, years=years)
    through_the_package = holidays.country_holidays("GB", subdiv=division, years=years)
    assert dict(loaded_alone) == dict(through_the_package)
    assert len(loaded_alone) > 8 * len(years)


def test_a_working_calendar_does_not_import_every_countrys_holidays():
    # In a process of its own: the test session may have imported them already.
    script = (
        "import sys; from datetime import date; from bot.core.calendar import WorkingCalendar; "
        "assert not WorkingCalendar('ENG').is_working_day(date(2026, 12, 25)); "
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
