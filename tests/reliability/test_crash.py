"""Reliability 2: the sender process killed (SIGKILL) in the middle of a 200-DM fan-out, then
restarted: every DM is delivered, with at most one duplicate per crash (the message in flight).

The sender runs as a separate process (tests/support/reliability_sender.py) against the test
database and the Slack stand-in, which answers each chat.postMessage slowly so the kill lands
mid-way.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import Auditbot
from bot.commands.audit_command import run_audit_command
from bot.core.config import Settings
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from models.db import transaction
from tests.support.harness import Clock
from tests.support.reliability import deliveries, large_authority, outbox_statuses, report

pytestmark = pytest.mark.reliability

FAN_OUT = 200
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 1.0
KILL_AFTER = (60, 130)  # successful posts at which a sender is killed


def start_sender(database_url: str, slack: SlackStandIn, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.reliability_sender",
            database_url,
            slack.api_url,
            "--lease",
            str(LEASE_SECONDS),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def delivered_count(slack: SlackStandIn) -> int:
    return sum(1 for c in slack.calls("chat.postMessage") if c.fault is None)


def test_a_sender_killed_mid_fan_out_loses_nothing_and_repeats_at_most_the_message_in_flight(
    engine, database_url
):
    with SlackStandIn() as slack:
        settings = Settings(
            database_url=database_url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url
        )
        services = Auditbot(
            settings, Policy(), engine=engine, token="xoxb-test", clock=Clock(NOW)
        ).services
        with transaction(services.make_session) as session:
            people = large_authority(session, FAN_OUT)
        run_audit_command(services, people["admin"].slack_user_id, "select 2026-12")
        assert outbox_statuses(services.make_session) == {"pending": FAN_OUT}
        slack.delay("chat.postMessage", 0.01)  # a slow Slack: the kill lands during a call

        crashes = 0
        for threshold in KILL_AFTER:
            process = start_sender(database_url, slack)
            try:
                reached = slack.wait_for(lambda t=threshold: delivered_count(slack) >= t, 60)
                assert reached, process.stderr.read().decode() if process.poll() else "too slow"
                assert process.poll() is None, "the sender finished before it could be killed"
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
            assert process.returncode == -signal.SIGKILL
            crashes += 1
        delivered_before_restart = delivered_count(slack)
        assert delivered_before_restart < FAN_OUT

        restarted = start_sender(database_url, slack, "--until-empty")
        out, err = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, err.decode()
        last_run = json.loads(out)

        assert outbox_statuses(services.make_session) == {"sent": FAN_OUT}
        delivered = deliveries(slack, services.make_session)
        assert delivered.unmatched == 0
        assert len(delivered.per_key) == FAN_OUT  # every DM delivered
        assert delivered.duplicates <= crashes  # at most the message in flight, per crash
        assert all(n <= 2 for n in delivered.per_key.values())
        managers = {m.slack_user_id for m in people["managers"]}
        assert {c.params["channel"] for c in slack.calls("chat.postMessage")} == managers
        report(
            "sender SIGKILLed twice during a 200-DM fan-out",
            crashes=crashes,
            sent=delivered.sent,
            duplicates=delivered.duplicates,
            delivered_before_restart=delivered_before_restart,
            sent_after_restart=last_run["sent"],
        )
