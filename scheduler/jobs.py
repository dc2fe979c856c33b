"""Scheduled work, computed from the database at a given `now`: nothing is kept in memory,
so a restart, a late wake-up or a second instance neither loses nor repeats anything."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.audit.followup import run_audit_schedule
from bot.booking.discussion import run_booking_schedule
from bot.booking.family_contact import run_engagement_schedule
from bot.chasing.nudges import run_chasing
from bot.chasing.team_digest import send_team_digests
from bot.core.services import Services
from bot.people.away import run_return_catch_ups
from bot.people.directory import resolve_slack_ids
from bot.privacy.retention import run_retention
from bot.reaudit.draw import run_scheduled_reaudits
from bot.report.delivery import send_monthly_briefings
from bot.rounds.draw import RoundScheduleReport, run_round_schedule
from bot.selection.draw import run_scheduled_draw
from bot.slack.sender import DeliveryReport
from bot.tac.schedule import TacScheduleReport, run_tac_schedule
from models.db import transaction

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class TickReport:
    now: datetime
    drew_month: str | None = None
    drew_reaudits: list[str] = field(default_factory=list)
    slack_ids_found: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    tac: TacScheduleReport = field(default_factory=TacScheduleReport)
    follow_ups: int = 0
    briefings: int = 0
    chasing_dms: int = 0
    team_digests: int = 0
    retention: dict[str, int] | None = None  # what the day's retention sweep removed
    rounds: RoundScheduleReport = field(default_factory=RoundScheduleReport)  # issue 12
    catch_ups: int = 0  # away and cover

    def summary(self) -> str:
        parts = [f"tick at {self.now.isoformat()}"]
        if self.drew_month:
            parts.append(f"drew the {self.drew_month} selection")
        parts.extend(self.drew_reaudits)
        if self.slack_ids_found:
            found = self.slack_ids_found
            parts.append(f"found {found} {'person' if found == 1 else 'people'} on Slack by email")
        parts.extend(self.tac.describe())
        parts.extend(self.rounds.describe())
        if self.follow_ups:
            parts.append(f"queued {self.follow_ups} reminder and follow-up message(s)")
        if self.briefings:
            parts.append(f"queued the monthly QA briefing to {self.briefings} recipient(s)")
        if self.chasing_dms:
            parts.append(f"queued {self.chasing_dms} chasing DM(s)")
        if self.team_digests:
            parts.append(f"queued {self.team_digests} team digest(s)")
        if self.retention is not None:
            parts.append(describe_retention(self.retention))
        if self.catch_ups:
            parts.append(f"queued {self.catch_ups} welcome-back message(s)")
        d = self.delivery
        parts.append(f"sent {d.sent}, failed {d.failed}, to retry {d.retried}")
        return "; ".join(parts)


def run_due_work(services: Services, now: datetime) -> TickReport:
    """Everything due at `now`, once; `auditbot tick` and the in-process scheduler both call it."""
    report = TickReport(now=now)
    report.slack_ids_found = resolve_slack_ids(
        services.make_session, services.client, now=now
    ).found
    rules = {"policy": services.policy, "calendar": services.calendar, "now": now}
    draw_rules = {**rules, "timezone": services.settings.timezone}
    drawn = _once(services, "the month's draw", lambda s: run_scheduled_draw(s, **draw_rules))
    report.drew_month = str(drawn.month) if drawn else None
    reaudits = _once(
        services, "the re-audit draw", lambda s: run_scheduled_reaudits(s, **draw_rules)
    )
    report.drew_reaudits = [
        f"drew {outcome.count} {outcome.kind} re-audit(s) for {outcome.month}"
        for outcome in reaudits or []
    ]
    report.tac = run_tac_schedule(services, now)
    report.rounds = (
        _once(services, "the audit rounds", lambda s: run_round_schedule(s, **rules))
        or RoundScheduleReport()
    )
    report.follow_ups = _follow_up_schedule(services, **rules)
    report.briefings = (
        _once(services, "the monthly briefings", lambda s: send_monthly_briefings(s, services, now))
        or 0
    )
    report.chasing_dms = _once(services, "chasing", lambda s: run_chasing(s, **rules)) or 0
    report.team_digests = (
        _once(services, "the team digests", lambda s: send_team_digests(s, **rules)) or 0
    )
    # Issue 13: data retention, once a day.
    report.retention = _once(services, "data retention", lambda s: run_retention(s, **rules))
    # -- away and cover --
    report.catch_ups = (
        _once(services, "the catch-ups", lambda s: run_return_catch_ups(s, **rules)) or 0
    )
    report.delivery = services.sender.deliver_due()
    return report


def describe_retention(removed: dict[str, int]) -> str:
    if not removed:
        return "retention: nothing had expired"
    return "retention: removed " + ", ".join(f"{count} {what}" for what, count in removed.items())


def _follow_up_schedule(services: Services, **rules: Any) -> int:
    """Reminders before discussions, "did it happen?" after them, family-contact outcomes,
    unacknowledged safeguarding alerts and actions coming due."""
    with transaction(services.make_session) as session:
        return (
            run_booking_schedule(session, **rules)
            + run_engagement_schedule(session, **rules)
            + run_audit_schedule(session, services, **rules)
        )


def _once(services: Services, what: str, work: Callable[[Session], T]) -> T | None:
    """Work claimed for its period in its own transaction: when another instance claimed it
    first, this one's insert fails and it does nothing (None)."""
    try:
        with transaction(services.make_session) as session:
            return work(session)
    except IntegrityError:
        log.info("another instance did %s first", what)
        return None
