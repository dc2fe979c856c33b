"""Working days: weekends and the bank holidays of the policy's UK division are not worked."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache, cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from bot.core.months import Month

LONDON = ZoneInfo("Europe/London")
OFFICE_HOURS = (time(9, 0), time(17, 0))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@cache
def united_kingdom_holidays() -> type[holidays.HolidayBase]:
    """The holidays package's own United Kingdom calendar, loaded from its module's file.

    Asking the package for any country imports `holidays.countries`, whose `__init__` imports
    all 250 countries' modules (8 MB, ~70 ms) to offer each one; the United Kingdom's module
    needs none of them. Should the file move in a later release, the package's way is used."""
    module_file = Path(holidays.__file__).parent / "countries" / "united_kingdom.py"
    spec = importlib.util.spec_from_file_location("auditbot_uk_holidays", module_file)
    if not module_file.exists() or spec is None or spec.loader is None:
        return type(holidays.country_holidays("GB"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UnitedKingdom


class WorkingCalendar:
    """The authority's working time: days (weekends and bank holidays off), hours and zone."""

    def __init__(
        self,
        subdivision: str = "ENG",
        timezone: tzinfo = LONDON,
        working_hours: tuple[time, time] = OFFICE_HOURS,
    ) -> None:
        self.subdivision = subdivision
        self.timezone = timezone
        self.day_starts, self.day_ends = working_hours

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    def at(self, day: date, clock_time: time) -> datetime:
        """An aware datetime for a local date and time."""
        return datetime.combine(day, clock_time, tzinfo=self.timezone)

    def is_working_time(self, moment: datetime) -> bool:
        local = self.local(moment)
        return self.is_working_day(local.date()) and self.day_starts <= local.time() < self.day_ends

    @cached_property
    def _bank_holidays(self) -> holidays.HolidayBase:
        # Years are filled in lazily by the holidays package as dates are looked up.
        return united_kingdom_holidays()(subdiv=self.subdivision)

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

    def working_day_on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def weekly_slot_due(self, weekday: str, at: time, local_now: datetime) -> date | None:
        """The nominal day (this week's `weekday`) of a weekly slot that is due, if any.

        It is due from `at` on that day, or on the next working day if that day is not worked (a
        bank holiday Monday: Tuesday). After downtime it is caught up on a later working day of
        the same week, never once the next week's day has come. `local_now` is naive, local.
        """
        today = local_now.date()
        if not self.is_working_day(today):
            return None
        nominal = today - timedelta(days=(today.weekday() - WEEKDAYS.index(weekday)) % 7)
        if local_now < datetime.combine(self.working_day_on_or_after(nominal), at):
            return None
        return nominal

    def add_working_days(self, start: date, count: int) -> date:
        """The working day `count` working days after `start`, or before it when negative."""
        step = timedelta(days=1 if count >= 0 else -1)
        day = start
        remaining = abs(count)
        while remaining > 0:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `start` (evenings, weekends and bank
        holidays don't count)."""
        moment = self.local(start)
        remaining = timedelta(hours=hours)
        while True:
            day = moment.date()
            opens, closes = self.at(day, self.day_starts), self.at(day, self.day_ends)
            if not self.is_working_day(day) or moment >= closes:
                moment = self.at(self.add_working_days(day, 1), self.day_starts)
                continue
            moment = max(moment, opens)
            if moment + remaining <= closes:
                return moment + remaining
            remaining -= closes - moment
            moment = closes

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
