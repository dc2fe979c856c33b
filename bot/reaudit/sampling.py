"""Which completed audits are re-audited: plain, seeded functions of the candidates.

Reproducible: candidates are sorted by audit id, and every random choice uses
``Random(f"{round seed}:…")``, so the same seed and data give the same sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from bot.core.months import Month

RANDOM = "random"
ALWAYS_INCLUDED = "always_included"
EVERY_AUDIT = "every_audit"  # the sampling that moderates every audit, as soon as submitted


@dataclass(frozen=True)
class Candidate:
    """A completed audit (or, for the yearly sample, a completed re-audit of one)."""

    audit_id: int
    manager_email: str
    completed_on: date
    overall: str | None = None


@dataclass(frozen=True)
class Pick:
    audit_id: int
    chosen_because: str  # random | always_included | every_audit
    pool_size: int
    draw_seed: str


def per_manager_window(month: Month) -> tuple[date, date]:
    """Completed at least one and at most two months before the re-audit month starts
    (both ends included): late enough to see progress on the actions, early enough to
    guard against drift."""
    return month.plus(-2).first_day, month.plus(-1).first_day


def previous_month_window(month: Month) -> tuple[date, date]:
    previous = month.plus(-1)
    return previous.first_day, previous.last_day


def past_year_window(month: Month) -> tuple[date, date]:
    return month.plus(-12).first_day, month.plus(-1).last_day


def share_of(count: int, percent: int) -> int:
    """`percent`% of `count`, rounded up: a share of a small month is never zero."""
    return -(-count * percent // 100)


def sample_per_manager(candidates: list[Candidate], seed: str) -> list[Pick]:
    """One audit at random for every team manager who has one."""
    ordered = sorted(candidates, key=lambda c: (c.manager_email, c.audit_id))
    picks = []
    for email, group in groupby(ordered, key=lambda c: c.manager_email):
        pool = list(group)
        draw_seed = f"{seed}:{email}"
        chosen = pool[random.Random(draw_seed).randrange(len(pool))]
        picks.append(Pick(chosen.audit_id, RANDOM, len(pool), draw_seed))
    return picks


def sample_share(
    candidates: list[Candidate], *, percent: int, always_include: list[str], seed: str
) -> list[Pick]:
    """`percent`% of the candidates: every one whose overall judgement is in
    `always_include` (even beyond the share), then others at random up to the share."""
    pool = sorted(candidates, key=lambda c: c.audit_id)
    always = [c for c in pool if c.overall in always_include]
    others = [c for c in pool if c.overall not in always_include]
    wanted = min(max(share_of(len(pool), percent) - len(always), 0), len(others))
    draw_seed = f"{seed}:share"
    drawn = random.Random(draw_seed).sample(others, wanted)
    picks = [Pick(c.audit_id, ALWAYS_INCLUDED, len(pool), draw_seed) for c in always]
    picks += [Pick(c.audit_id, RANDOM, len(pool), draw_seed) for c in drawn]
    return sorted(picks, key=lambda p: p.audit_id)
