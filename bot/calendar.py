"""Working days: weekends and the bank holidays of the policy's UK division are not worked."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property

import holidays

from bot.months import Month


class WorkingCalendar:
    def __init__(self, subdivision: str = "ENG") -> None:
        self.subdivision = subdivision

    @cached_property
    def _bank_holidays(self) -> holidays.HolidayBase:
        # Years are filled in lazily by the holidays package as dates are looked up.
        return holidays.country_holidays("GB", subdiv=self.subdivision)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._bank_holidays

    def bank_holiday_name(self, day: date) -> str | None:
        return self._bank_holidays.get(day)

    def first_working_day(self, month: Month) -> date:
        day = month.first_day
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def last_working_day(self, month: Month) -> date:
        return self.working_day_on_or_before(month.last_day)

    def working_day_on_or_before(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        """The working day `count` working days after `start` (count >= 0)."""
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
