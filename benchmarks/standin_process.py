"""The Slack stand-in in a process of its own, for the delivery and acknowledgement benchmarks.

In the benchmark's own process the stand-in's server threads would share one interpreter lock
with the sender or the clients they are timing, so a request could be looked at milliseconds
late and the rate limiter would see two calls closer than they were sent, and an acknowledgement
would be read late while the stand-in takes the answers that follow it. Here Slack is, as in
life, elsewhere.

Commands arrive as JSON lines on stdin; each is answered with one JSON line on stdout (the first
line says where the Web API is):

    {"do": "rate_limit", "method": "chat.postMessage", "per_second": 50}
    {"do": "inject_429", "method": "chat.postMessage", "every": 100, "times": 4}
    {"do": "report", "method": "chat.postMessage"}
    {"do": "count", "methods": ["response_url", "views.open"]}
    {"do": "first_received", "method": "chat.postMessage", "text_starts": "Immediate"}
    {"do": "clear"}
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from typing import Any

from bot.demo.slack_standin import SlackStandIn


def _injector(slack: SlackStandIn, method: str, every: int, times: int, stop: threading.Event):
    """A 429 (Retry-After: 1) after every `every` successful calls, `times` times."""

    def run() -> None:
        injected = 0
        while injected < times and not stop.wait(0.01):
            ok = sum(1 for call in slack.calls(method) if call.fault is None)
            if ok >= every * (injected + 1):
                slack.fail_next(method, status=429, retry_after=1)
                injected += 1

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _report(slack: SlackStandIn, method: str) -> dict[str, Any]:
    calls = slack.calls(method)
    return {
        "delivered": Counter(str(c.params.get("text")) for c in calls if c.fault is None),
        "faults": Counter(c.fault for c in calls if c.fault is not None),
    }


def _first_received(slack: SlackStandIn, method: str, text_starts: str) -> float | None:
    """When the first successful call whose text starts so arrived (wall clock), if one has."""
    return next(
        (
            call.at
            for call in slack.calls(method)
            if call.fault is None and str(call.params.get("text", "")).startswith(text_starts)
        ),
        None,
    )


def main() -> int:
    stop = threading.Event()
    with SlackStandIn() as slack:
        print(json.dumps({"api_url": slack.api_url}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            what = command["do"]
            answer: dict[str, Any] = {"ok": True}
            if what == "rate_limit":
                slack.rate_limit(command["method"], command["per_second"])
            elif what == "inject_429":
                stop.clear()
                _injector(slack, command["method"], command["every"], command["times"], stop)
            elif what == "report":
                stop.set()
                answer = _report(slack, command["method"])
            elif what == "first_received":
                answer["at"] = _first_received(slack, command["method"], command["text_starts"])
            elif what == "count":
                answer["count"] = sum(len(slack.calls(method)) for method in command["methods"])
            elif what == "clear":
                stop.set()
                slack.clear()
            else:
                answer = {"ok": False, "error": f"unknown command {what!r}"}
            print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
