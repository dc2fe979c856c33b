"""Scheduled work, computed from the database at a given `now`: nothing is kept in memory,
so a restart, a late wake-up or a second instance neither loses nor repeats anything."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.audit_followup import run_audit_schedule
from bot.booking import run_booking_schedule
from bot.directory import resolve_slack_ids
from bot.engagement import run_engagement_schedule
from bot.selection import run_scheduled_draw
from bot.sender import DeliveryReport
from bot.services import Services
from bot.tac_schedule import TacScheduleReport, run_tac_schedule
from models.db import transaction

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    now: datetime
    drew_month: str | None = None
    slack_ids_found: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    tac: TacScheduleReport = field(default_factory=TacScheduleReport)
    follow_ups: int = 0

    def summary(self) -> str:
        parts = [f"tick at {self.now.isoformat()}"]
        if self.drew_month:
            parts.append(f"drew the {self.drew_month} selection")
        if self.slack_ids_found:
            found = self.slack_ids_found
            parts.append(f"found {found} {'person' if found == 1 else 'people'} on Slack by email")
        parts.extend(self.tac.describe())
        if self.follow_ups:
            parts.append(f"queued {self.follow_ups} reminder and follow-up message(s)")
        d = self.delivery
        parts.append(f"sent {d.sent}, failed {d.failed}, to retry {d.retried}")
        return "; ".join(parts)


def run_due_work(services: Services, now: datetime) -> TickReport:
    """Everything due at `now`, once; `auditbot tick` and the in-process scheduler both call it."""
    report = TickReport(now=now)
    report.slack_ids_found = resolve_slack_ids(
        services.make_session, services.client, now=now
    ).found
    report.drew_month = _scheduled_selection(services, now)
    report.tac = run_tac_schedule(services, now)
    report.follow_ups = _follow_up_schedule(services, now)
    report.delivery = services.sender.deliver_due()
    return report


def _follow_up_schedule(services: Services, now: datetime) -> int:
    """Reminders before discussions, "did it happen?" after them, family-contact outcomes,
    unacknowledged safeguarding alerts and actions coming due."""
    rules = {"policy": services.policy, "calendar": services.calendar, "now": now}
    with transaction(services.make_session) as session:
        return (
            run_booking_schedule(session, **rules)
            + run_engagement_schedule(session, **rules)
            + run_audit_schedule(session, services, **rules)
        )


def _scheduled_selection(services: Services, now: datetime) -> str | None:
    try:
        with transaction(services.make_session) as session:
            outcome = run_scheduled_draw(
                session,
                policy=services.policy,
                calendar=services.calendar,
                timezone=services.settings.timezone,
                now=now,
            )
    except IntegrityError:
        log.info("another instance drew this month's selection first")
        return None
    return str(outcome.month) if outcome else None
