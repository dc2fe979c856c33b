"""A stand-alone outbox sender process for the crash tests (tests/reliability/test_crash.py).

    python -m tests.support.reliability_sender DATABASE_URL SLACK_API_URL \
        [--lease SECONDS] [--until-empty]

It builds the production sender (bot.slack.sender.OutboxSender with bot.slack.client's WebClient)
on the real clock, delivers what is due, and prints its DeliveryReport as JSON. With
--until-empty it keeps delivering until no row is pending (rows leased by a killed sender
become due again when their lease ends). The tests kill it with SIGKILL part-way through.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from bot.slack.client import build_web_client
from bot.slack.sender import DeliveryReport, OutboxSender
from models import OutboxMessage
from models.db import create_db_engine, session_factory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--until-empty", action="store_true")
    parser.add_argument("--deadline", type=float, default=60.0)
    args = parser.parse_args(argv)

    engine = create_db_engine(args.database_url)
    make_session = session_factory(engine)
    sender = OutboxSender(
        make_session,
        build_web_client("xoxb-test", args.api_url),
        lambda: datetime.now(UTC),
        instance_id=f"pid-{os.getpid()}",
        lease=timedelta(seconds=args.lease),
        per_channel_interval=0,
    )
    total = DeliveryReport()
    deadline = time.monotonic() + args.deadline
    while True:
        done = sender.deliver_due()
        total.sent += done.sent
        total.failed += done.failed
        total.retried += done.retried
        if not args.until_empty or time.monotonic() > deadline:
            break
        with make_session() as session:
            pending = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            ).one()
        if not pending:
            break
        time.sleep(0.1)
    print(json.dumps(asdict(total)), flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
