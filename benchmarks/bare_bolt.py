"""The acknowledgement floor: a bare Bolt app whose listeners only ack, on the same server stack
as `auditbot serve` (Bolt's WSGI adapter under waitress with as many threads, signatures checked,
the token checked with auth.test at start). Run by `benchmarks.run` as its own process:

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… python -m benchmarks.bare_bolt
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.bootstrap import REQUEST_THREADS
from bot.slack.client import build_web_client


def build(token: str, secret: str, api_url: str) -> Callable[..., Iterable[bytes]]:
    app = App(client=build_web_client(token, api_url), signing_secret=secret)

    @app.command(re.compile(".*"))
    def command(ack: Ack) -> None:
        ack()

    @app.action(re.compile(".*"))
    def action(ack: Ack) -> None:
        ack()

    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            body = b'{"status": "ok"}'
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        return slack(environ, start_response)

    return application


def main() -> int:
    wsgi = build(
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_API_URL"],
    )
    port = int(os.environ["PORT"])
    server = waitress.create_server(wsgi, host="127.0.0.1", port=port, threads=REQUEST_THREADS)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
