"""An audit round's rules as plain functions: when it is drawn, how its cases are spread across
service areas and auditors, and when unconfirmed practitioners are reminded."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.calendar import WorkingCalendar
from bot.policy.schema import RoundDefinition, RoundsPolicy


def selection_date_of(definition: RoundDefinition, rounds: RoundsPolicy, today: date) -> date:
    """The day the cases are drawn: as defined; for an audit day, by default the policy's weeks
    (five, as in Halton) before it; otherwise at once."""
    if definition.selection_date is not None:
        return definition.selection_date
    if definition.kind == "audit_day":
        return definition.audit_date - timedelta(weeks=rounds.selection_weeks_before)
    return today


@dataclass(frozen=True)
class Candidate:
    """An eligible case, as much of it as the draw needs."""

    case_id: int
    case_ref: str
    service_area: str
    worker_id: int
    manager_id: int | None  # the team manager of the case's practitioner


def spread_across_areas(candidates: Sequence[Candidate], seed: str) -> list[Candidate]:
    """Every eligible case in a seeded random order that takes one case from each service area
    in turn, so a sample of any size is spread across the areas."""
    by_area: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in sorted(candidates, key=lambda c: c.case_ref):
        by_area[candidate.service_area].append(candidate)
    areas = sorted(by_area)
    random.Random(f"{seed}:areas").shuffle(areas)
    for area in areas:
        random.Random(f"{seed}:{area}").shuffle(by_area[area])
    ordered = []
    for turn in range(max((len(cases) for cases in by_area.values()), default=0)):
        ordered.extend(by_area[area][turn] for area in areas if turn < len(by_area[area]))
    return ordered


def assign_auditors(
    ordered: Sequence[Candidate], auditor_ids: Sequence[int], cases: int, *, one_each: bool
) -> list[tuple[Candidate, int]]:
    """Up to `cases` cases, each to the auditor with fewest so far (in the order given) who is
    neither its practitioner nor their manager; one case each when `one_each`."""
    load = dict.fromkeys(auditor_ids, 0)
    assigned: list[tuple[Candidate, int]] = []
    for candidate in ordered:
        if len(assigned) == cases:
            break
        free = [
            auditor
            for auditor in auditor_ids
            if auditor not in (candidate.worker_id, candidate.manager_id)
            and not (one_each and load[auditor])
        ]
        if free:
            auditor = min(free, key=lambda a: load[a])
            load[auditor] += 1
            assigned.append((candidate, auditor))
    return assigned


def reminder_days(
    rounds: RoundsPolicy, calendar: WorkingCalendar, drawn_on: date, audit_on: date
) -> list[date]:
    """The days an unconfirmed practitioner is reminded: working days after the draw, then a
    week (by policy) before the audit; only days after the draw and before the audit."""
    days = []
    if rounds.remind_after_working_days:
        days.append(calendar.add_working_days(drawn_on, rounds.remind_after_working_days))
    if rounds.remind_days_before_audit:
        before = audit_on - timedelta(days=rounds.remind_days_before_audit)
        days.append(calendar.working_day_on_or_before(before))
    return sorted({day for day in days if drawn_on < day < audit_on})


def latest_due_reminder(days: Sequence[date], today: date) -> int | None:
    """Which reminder (1, 2…) is due today or was missed most recently; None before the first.
    Only the latest is sent, so a late tick never sends two at once."""
    due = [number for number, day in enumerate(days, start=1) if day <= today]
    return due[-1] if due else None
