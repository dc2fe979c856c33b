"""Once a month, on the policy's working day, each team manager with a practitioner overdue or
due soon for an observation gets the list by DM (key `observations:<manager>:<month>`: once a
month, whatever the re-runs); `/audit status` counts them (never names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.core.tick import Tick
from bot.observations.due import (
    DUE_SOON,
    OVERDUE,
    observations_in_use,
    practitioners_of,
    standings,
)
from messages import render
from models import Staff
from models.statuses import StaffStatus


def send_observation_lists(session: Session, tick: Tick) -> int:
    rule, calendar, now, today = tick.policy.observation, tick.calendar, tick.now, tick.today
    if not rule.enabled or not calendar.is_working_time(now):
        return 0
    first = calendar.first_working_day(Month.of(today))
    if today != calendar.add_working_days(first, rule.list_working_day - 1):
        return 0
    managers = session.exec(
        select(Staff)
        .where(Staff.status == StaffStatus.ACTIVE, col(Staff.roles).contains("team_manager"))
        .order_by(Staff.email)
    ).all()
    queued = 0
    for manager in managers:
        found = standings(session, practitioners_of(session, manager), today, rule.due_soon_days)
        overdue = [item for item in found if item.state == OVERDUE]
        due_soon = [item for item in found if item.state == DUE_SOON]
        if not manager.has_role("team_manager") or not (overdue or due_soon):
            continue
        queue_dm(
            session,
            key=f"observations:{manager.id}:{Month.of(today)}",
            recipient=manager,
            message=render(
                "observations_due_dm", overdue=overdue, due_soon=due_soon, total=len(found)
            ),
            concern=f"observations:{manager.id}",
            now=now,
        )
        queued += 1
    return queued


@dataclass(frozen=True)
class ObservationCounts:
    overdue: int
    due_soon: int
    up_to_date: int

    @property
    def line(self) -> str:
        return (
            f"*Observations of practice:* *{self.overdue}* practitioners overdue (never observed "
            f"or past their date), *{self.due_soon}* due within a month, *{self.up_to_date}* up "
            "to date."
        )


def observation_counts(session: Session, today: date) -> ObservationCounts | None:
    """Every active practitioner's standing (None: no observation recorded yet, so not in use)."""
    if not observations_in_use(session):
        return None
    found = standings(session, practitioners_of(session), today, due_soon_days=31)
    states = [item.state for item in found]
    return ObservationCounts(
        states.count(OVERDUE),
        states.count(DUE_SOON),
        len(states) - states.count(OVERDUE) - states.count(DUE_SOON),
    )
