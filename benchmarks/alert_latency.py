"""How long a Category 1 safeguarding alert takes to reach Slack while routine traffic is queued.

1,000 routine DMs are queued for the people of the generated authority (several each, so the
sender's pacing of one conversation matters), and delivered by the production sender (one write
a second per conversation) against the stand-in, in its own process, limiting chat.postMessage
to DM_RATE a second. Two seconds in, a Category 1 alert is raised on a submitted audit, as the
audit's submission raises it. The figure is the time from its commit to its first DM reaching
the stand-in; the target is 5 s.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from benchmarks.run import DM_RATE, RemoteStandIn, _services
from bot.audit.alerts import raise_safeguarding_alert
from bot.bootstrap import system_clock
from bot.core.outbox import queue_dm
from models import Audit, OutboxMessage, Staff
from models.db import create_db_engine, transaction
from models.statuses import AuditStatus, OutboxStatus

ROUTINE = 1_000
PEOPLE = 150  # the routine DMs go to this many people, several each
ALERT_AFTER_S = 2.0
TARGET_S = 5.0
ALERT_TEXT = "Immediate safeguarding concern"


def measure_alert_latency(url: str) -> dict[str, Any]:
    slack = RemoteStandIn()
    engine = create_db_engine(url)
    stop = threading.Event()
    delivery = None
    try:
        services = _services(url, slack.api_url, system_clock, engine, per_channel_interval=1.0)
        audit_id = _queue_routine_traffic(services.make_session)
        slack.do(do="rate_limit", method="chat.postMessage", per_second=DM_RATE)
        delivery = threading.Thread(target=_deliver, args=(services.sender, stop), daemon=True)
        delivery.start()
        time.sleep(ALERT_AFTER_S)
        with transaction(services.make_session) as session:
            audit = session.get(Audit, audit_id)
            raise_safeguarding_alert(
                session, services.tick(system_clock()), audit, "A child at risk now."
            )
        raised_at = time.time()
        received_at = _wait_for(slack, ALERT_TEXT, timeout_s=600)
        routine_before = _routine_sent(engine)
        return {
            "alert_latency_s": received_at - raised_at if received_at else None,
            "alert_routine_queued": ROUTINE,
            "alert_routine_sent_before": routine_before,
        }
    finally:
        stop.set()
        if delivery is not None:
            delivery.join()  # before the stand-in goes: it must not outlive the measure
        slack.close()
        engine.dispose()


def _queue_routine_traffic(make_session: Any) -> int:
    """Queue the routine DMs; the id of a submitted audit to raise the alert on."""
    now = system_clock()
    with transaction(make_session) as session:
        people = session.exec(
            select(Staff)
            .where(col(Staff.slack_user_id).is_not(None), Staff.status == "active")
            .order_by(col(Staff.id))
            .limit(PEOPLE)
        ).all()
        for index in range(ROUTINE):
            key = f"bench-routine:{index}"
            queue_dm(
                session,
                key=key,
                recipient=people[index % len(people)],
                message={"text": key, "blocks": []},
                concern="bench-routine",
                now=now,
            )
        return session.exec(
            select(Audit.id).where(Audit.status == AuditStatus.SUBMITTED).order_by(col(Audit.id))
        ).first()


def _deliver(sender: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        if not sender.deliver_due(stopping=stop.is_set).sent:
            time.sleep(0.05)


def _wait_for(slack: RemoteStandIn, text_starts: str, timeout_s: float) -> float | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        at = slack.do(do="first_received", method="chat.postMessage", text_starts=text_starts)
        if at.get("at"):
            return float(at["at"])
        time.sleep(0.02)
    return None


def _routine_sent(engine: Any) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.concern == "bench-routine",
                OutboxMessage.status == OutboxStatus.SENT,
            )
        ).one()
