"""The span a QA briefing covers: one calendar month (``YYYY-MM``) or a quarter (``YYYY-Qn``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.months import Month

_QUARTER_PATTERN = re.compile(r"^(\d{4})-[Qq]([1-4])$")
MONTH_EXAMPLE = "use YYYY-MM, e.g. 2026-12"
QUARTER_EXAMPLE = "use YYYY-Qn, e.g. 2026-Q4"


@dataclass(frozen=True, order=True)
class Period:
    """`length` consecutive months starting at `first` (1: a month, 3: a quarter)."""

    first: Month
    length: int = 1

    @classmethod
    def month(cls, month: Month) -> Period:
        return cls(month, 1)

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        return cls(Month(year, 3 * (number - 1) + 1), 3)

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse_month(cls, text: str) -> Period:
        """Parse ``YYYY-MM``; raises ValueError with a readable message."""
        try:
            return cls.month(Month.parse(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a month: {MONTH_EXAMPLE}") from None

    @classmethod
    def parse_quarter(cls, text: str) -> Period:
        """Parse ``YYYY-Qn``; raises ValueError with a readable message."""
        match = _QUARTER_PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a quarter: {QUARTER_EXAMPLE}")
        return cls.quarter(int(match.group(1)), int(match.group(2)))

    @classmethod
    def parse(cls, text: str) -> Period:
        """A month or a quarter, whichever `text` is."""
        if "q" in text.lower():
            return cls.parse_quarter(text)
        return cls.parse_month(text)

    @property
    def is_quarter(self) -> bool:
        return self.length == 3

    @property
    def months(self) -> list[Month]:
        return [self.first.plus(offset) for offset in range(self.length)]

    @property
    def first_day(self) -> date:
        return self.first.first_day

    @property
    def last_day(self) -> date:
        return self.months[-1].last_day

    def plus(self, periods: int) -> Period:
        """The period `periods` lengths later (earlier when negative)."""
        return Period(self.first.plus(periods * self.length), self.length)

    def with_previous(self, count: int) -> list[Period]:
        """The `count` periods before this one, oldest first, then this one."""
        return [self.plus(offset) for offset in range(-count, 1)]

    def __str__(self) -> str:
        if self.is_quarter:
            return f"{self.first.year:04d}-Q{(self.first.month - 1) // 3 + 1}"
        return str(self.first)

    @property
    def label(self) -> str:
        """Readable name: 'December 2026', or 'Q4 2026 (October to December)'."""
        if not self.is_quarter:
            return self.first.label
        last = self.months[-1]
        return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year} " + (
            f"({self.first.first_day:%B} to {last.first_day:%B})"
        )

    @property
    def short_label(self) -> str:
        """For a chart axis: 'Dec 2026' or 'Q4 2026'."""
        if self.is_quarter:
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        return f"{self.first.first_day:%b %Y}"


def default_period(kind: str, today: date) -> Period:
    """The last complete month (kind "monthly") or quarter (kind "quarterly") before `today`."""
    if kind == "quarterly":
        return Period.quarter_of(today).plus(-1)
    return Period.month(Month.of(today).plus(-1))
