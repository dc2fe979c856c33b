"""The chasing rules as plain functions of dates (no database, no clock).

An overdue item climbs a ladder of steps, each counted in working days after its due date: its
owner is nudged first (`first_nudge_after`), then the team manager, service manager and head of
service hear of it as the rule's `escalate_after` says. Whoever holds an item is reminded of it
again every `repeat_every` working days. Nothing here depends on what anyone clicked, so a
snooze can never hold an escalation back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.calendar import WorkingCalendar
from bot.policy.schema import ESCALATION_LADDER, ChaseRule, Policy

OWNER = "owner"


@dataclass(frozen=True)
class Step:
    """Who holds an overdue item from a day on: its owner, or a role of the ladder."""

    holder: str  # OWNER or one of ESCALATION_LADDER
    starts_on: date


def ladder(due_on: date, rule: ChaseRule, calendar: WorkingCalendar) -> list[Step]:
    """The owner's step, then the escalation steps in ladder order."""
    steps = [Step(OWNER, calendar.add_working_days(due_on, rule.first_nudge_after))]
    steps += [
        Step(role, calendar.add_working_days(due_on, rule.escalate_after[role]))
        for role in ESCALATION_LADDER
        if role in rule.escalate_after
    ]
    return steps


def steps_reached(
    due_on: date, rule: ChaseRule, calendar: WorkingCalendar, today: date
) -> list[Step]:
    return [step for step in ladder(due_on, rule, calendar) if step.starts_on <= today]


def reminder_due(
    last_shown_on: date | None, today: date, rule: ChaseRule, calendar: WorkingCalendar
) -> bool:
    """A held item is shown again `repeat_every` working days after it was last shown."""
    return (
        last_shown_on is None
        or calendar.working_days_between(last_shown_on, today) >= rule.repeat_every
    )


def chasing_day(policy: Policy, calendar: WorkingCalendar, local_now: datetime) -> date | None:
    """Today, when chasing DMs may go: a working day, from the nudge time until the end of
    working hours (a restart later that day still sends them; after hours it waits)."""
    today = local_now.date()
    if not calendar.is_working_day(today):
        return None
    if not policy.chasing.nudge_time <= local_now.time() < policy.calendar.working_hours.end:
        return None
    return today


def next_working_day(today: date, calendar: WorkingCalendar) -> date:
    return calendar.add_working_days(today, 1)
