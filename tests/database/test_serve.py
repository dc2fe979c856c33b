"""`auditbot serve` as an operator runs it: a real process, a real port, signed requests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from bot.demo.slack_requests import sign, slash_command_body
from bot.demo.slack_standin import SlackStandIn

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_health_checks_and_signed_commands(database_url, tmp_path):
    port = free_port()
    with SlackStandIn() as slack:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "serve-secret",
            "SLACK_API_URL": slack.api_url,
            "PORT": str(port),
        }
        env.pop("SLACK_APP_TOKEN", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            assert slack.wait_for(lambda: _healthy(base), timeout=30), _stderr(process)
            response_url = slack.response_url("c")
            body = slash_command_body(
                "/audit", "help", user_id="U0NOBODY1", response_url=response_url
            )
            request = urllib.request.Request(
                f"{base}/slack/events", data=body.encode(), headers=sign("serve-secret", body)
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200  # the ack; the answer follows on the response_url
            assert slack.wait_for(lambda: slack.responses_to(response_url))
            assert "don't recognise you" in slack.responses_to(response_url)[0]["text"]
            assert slack.calls("auth.test")  # the token was checked at start
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return json.loads(response.read()) == {"status": "ok", "database": "ok"}
    except (urllib.error.URLError, ConnectionError):
        return False


def _stderr(process: subprocess.Popen) -> str:
    if process.poll() is None:
        return "serve did not become healthy"
    return process.stderr.read().decode()
