"""Scheduled work, computed from the database at a given `now`: nothing is kept in memory,
so a restart, a late wake-up or a second instance neither loses nor repeats anything.

Every job has one shape, `job(session, tick) -> what it did` (bot/core/tick.py), and runs in its
own transaction: a job whose work another instance claimed first (its insert of the period's
run row fails) does nothing. `auditbot tick` and the in-process scheduler both call
`run_due_work`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.audit.actions import remind_actions
from bot.audit.alerts import chase_alerts
from bot.audit.iro_feedback import remind_iro_feedback
from bot.audit.supervision_gap import chase_supervision_gaps
from bot.booking.discussion import run_booking_schedule
from bot.booking.family_contact import run_engagement_schedule
from bot.chasing.nudges import run_chasing
from bot.chasing.team_digest import send_team_digests
from bot.core.cover import ABSENCES
from bot.core.outbox import HOME_TAB_VIEWERS
from bot.core.services import Services
from bot.core.tick import Tick
from bot.people.away import run_return_catch_ups
from bot.people.nightly_import import NightlyImportReport, run_nightly_import
from bot.people.slack_import import forget_old_checks
from bot.privacy.retention import run_retention
from bot.privacy.slack_cleanup import FROM_SLACK, describe_removed_from_slack
from bot.reaudit.draw import run_scheduled_reaudits
from bot.report.delivery import send_monthly_briefings
from bot.rounds.draw import RoundScheduleReport, run_round_schedule
from bot.rounds.findings import prompt_round_findings
from bot.rounds.poor_practice import chase_poor_practice
from bot.selection.draw import run_scheduled_draw
from bot.slack.directory import resolve_slack_ids
from bot.slack.sender import DeliveryReport
from bot.tac.schedule import (
    TacScheduleReport,
    send_month_end_lists,
    send_task_reminders,
    send_weekly_digests,
)
from messages import linking_cases
from models.db import memo_entries, seed_memo, transaction
from scheduler.oversight_jobs import OVERSIGHT_JOBS

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Session, Tick], T]

# Reminders before discussions, "did it happen?" after them, family-contact outcomes,
# unacknowledged safeguarding alerts and actions coming due.
FOLLOW_UPS: tuple[Job[int], ...] = (
    run_booking_schedule,
    run_engagement_schedule,
    chase_alerts,
    remind_actions,
    remind_iro_feedback,
    prompt_round_findings,  # issue 25 (Halton): the audit day's findings
    chase_poor_practice,  # issue 25 (Halton): poor practice not acknowledged in time
    chase_supervision_gaps,
    *OVERSIGHT_JOBS,  # issue 25 (Bolton)
)


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
    rounds: RoundScheduleReport = field(default_factory=RoundScheduleReport)
    catch_ups: int = 0  # away and cover
    nightly_import: NightlyImportReport | None = None  # the case system's export (issue 22)
    import_checks_forgotten: int = 0  # imports checked in Slack, kept for their button

    def summary(self) -> str:
        parts = [f"tick at {self.now.isoformat()}"]
        if self.nightly_import is not None:
            parts.append(self.nightly_import.describe())
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
        if self.import_checks_forgotten:
            parts.append(f"forgot {self.import_checks_forgotten} import check(s) made in Slack")
        d = self.delivery
        parts.append(f"sent {d.sent}, failed {d.failed}, to retry {d.retried}")
        return "; ".join(parts)


def run_due_work(services: Services, now: datetime) -> TickReport:
    """Everything due at `now`, once: import the night's export (before people are found on
    Slack, so new staff are found in this sweep), find people on Slack, run every job, deliver."""
    tick = services.tick(now)
    report = TickReport(now=now)
    # Several transactions of its own (one per file: see bot/people/nightly_import.py).
    report.nightly_import = run_nightly_import(services.make_session, tick)
    report.slack_ids_found = resolve_slack_ids(
        services.make_session, services.client, now=now
    ).found

    read_before: dict = {}  # who is away and who has a Home tab, as the tick's jobs read them

    def run(job: Job[T]) -> T | None:
        return _once(services, tick, job, read_before)

    # First: what has passed its retention period is gone before any job reads it (a catch-up
    # tick's briefing must not quote text the sweep would remove).
    report.retention = run(run_retention)
    drawn = run(run_scheduled_draw)
    report.drew_month = str(drawn.month) if drawn else None
    del drawn  # its selections and managers (600 of each at scale 4) need not outlive the draw
    report.drew_reaudits = [
        f"drew {outcome.count} {outcome.kind} re-audit(s) for {outcome.month}"
        for outcome in run(run_scheduled_reaudits) or []
    ]
    report.tac = TacScheduleReport(
        digests=run(send_weekly_digests) or 0,
        month_end_lists=run(send_month_end_lists) or 0,
        reminders=run(send_task_reminders) or 0,
    )
    report.rounds = run(run_round_schedule) or RoundScheduleReport()
    report.follow_ups = sum(run(job) or 0 for job in FOLLOW_UPS)
    report.briefings = run(send_monthly_briefings) or 0
    report.chasing_dms = run(run_chasing) or 0
    report.team_digests = run(send_team_digests) or 0
    report.catch_ups = run(run_return_catch_ups) or 0
    report.import_checks_forgotten = run(forget_old_checks) or 0
    report.delivery = services.sender.deliver_due()
    return report


def describe_retention(removed: dict[str, int]) -> str:
    if not removed:
        return "retention: nothing had expired"
    parts = [f"{count} {what}" for what, count in removed.items() if what not in FROM_SLACK]
    from_slack = describe_removed_from_slack(removed)
    return "retention: removed " + ", ".join(parts + ([from_slack] if from_slack else []))


# Read by every job that queues DMs, unchanged while one tick runs (a job that changes them
# forgets them): read once a tick rather than once a job.
_READ_ONCE_A_TICK = (ABSENCES, HOME_TAB_VIEWERS)


def _once(services: Services, tick: Tick, job: Job[T], read_before: dict) -> T | None:
    """The job in its own transaction: when another instance claimed its work first, this
    one's insert fails and it does nothing (None). It starts from what the tick's earlier
    jobs read of who is away and who has a Home tab, and passes on what it read."""
    try:
        with linking_cases(tick.policy.case_link), transaction(services.make_session) as session:
            seed_memo(session, read_before)
            done = job(session, tick)
            read = memo_entries(session, _READ_ONCE_A_TICK)
    except IntegrityError:
        log.info("another instance did %s first", job.__name__)
        return None
    # Only once committed: what a rolled-back job read of its own changes never happened.
    read_before.clear()
    read_before.update(read)
    return done
