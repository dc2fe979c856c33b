"""A calendar month, as administrators type it: ``YYYY-MM``."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; raises ValueError with a readable message."""
        match = _MONTH_PATTERN.match(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"{text!r} is not a month: use YYYY-MM, e.g. 2026-12")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        """Readable name, e.g. 'December 2026'."""
        return self.first_day.strftime("%B %Y")

    def plus(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)
