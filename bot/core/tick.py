"""One sweep of scheduled work, as every job sees it: the moment it runs for and the rules.

Every job has the same shape, `job(session, tick) -> what it did`: it computes what is due at
`tick.now` from the database (never from memory), in its own transaction, so a restart, a late
wake-up or a second instance neither loses nor repeats anything (scheduler/jobs.py runs them).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot.core.calendar import WorkingCalendar
from bot.policy.schema import Policy


def random_seed() -> str:
    """A fresh seed for a draw: unpredictable, and recorded with the draw to explain it."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Tick:
    now: datetime
    policy: Policy
    calendar: WorkingCalendar
    timezone: tzinfo
    new_seed: Callable[[], str] = random_seed

    @property
    def local_now(self) -> datetime:
        """`now` on the authority's wall clock, without a zone (schedules are local times)."""
        return self.now.astimezone(self.timezone).replace(tzinfo=None)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.timezone).date()
