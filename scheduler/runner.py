"""APScheduler only wakes the sweep; the sweep works from the database (see jobs.py)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.services import Services
from scheduler.jobs import run_due_work

log = logging.getLogger(__name__)


def sweep(services: Services) -> None:
    try:
        report = run_due_work(services, services.now())
    except Exception:  # a failed sweep is retried by the next wake-up
        log.exception("scheduled sweep failed")
        return
    log.info(report.summary())


def start_scheduler(services: Services, every_seconds: int = 60) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=services.settings.timezone)
    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=every_seconds, timezone=services.settings.timezone),
        args=[services],
        id="auditbot-sweep",
        coalesce=True,  # many missed wake-ups run once
        max_instances=1,
        misfire_grace_time=600,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
