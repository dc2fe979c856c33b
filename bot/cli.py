"""The `auditbot` command line: serve, tick, import, demo."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path

from bot.app import (
    DeliveryWorker,
    build_services,
    create_bolt_app,
    create_wsgi_app,
    open_database,
    system_clock,
)
from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.importer import IMPORT_KINDS, import_csv
from bot.policy import Policy, load_policy
from models.db import session_factory

log = logging.getLogger("auditbot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"auditbot: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditbot", description="A Slack bot for children's-services case file audits."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the bot (HTTP, or Socket Mode with SLACK_APP_TOKEN)"
    )
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled work here")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.set_defaults(run=_serve)

    tick = commands.add_parser("tick", help="do the scheduled work due now, deliver, and exit")
    tick.add_argument("--now", type=_aware_datetime, help="ISO-8601 time to act as (default: now)")
    tick.set_defaults(run=_tick)

    importer = commands.add_parser("import", help="import teams, staff or cases from a CSV file")
    importer.add_argument("kind", choices=IMPORT_KINDS)
    importer.add_argument("file", type=Path)
    importer.add_argument(
        "--dry-run", action="store_true", help="validate and count; write nothing"
    )
    importer.set_defaults(run=_import)

    demo = commands.add_parser("demo", help="run an audit month offline on sample data")
    demo.set_defaults(run=_demo)
    return parser


def _aware_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 time, e.g. 2026-12-01T08:00"
        ) from exc


def _startup() -> tuple[Settings, Policy]:
    settings = load_settings()
    return settings, load_policy(settings.policy_path)


def _serve(args: argparse.Namespace) -> int:
    import waitress

    from scheduler.runner import start_scheduler

    settings, policy = _startup()
    token = settings.require_bot_token("serve")
    secret = None if settings.slack_app_token else settings.require_signing_secret()
    engine = open_database(settings)
    services = build_services(settings, policy, engine, token=token)
    bolt_app = create_bolt_app(services, signing_secret=secret)
    worker = DeliveryWorker(services)
    worker.start()
    scheduler = None if args.no_scheduler else start_scheduler(services)
    socket_mode = None
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_mode = SocketModeHandler(bolt_app, settings.slack_app_token)
        socket_mode.connect()
        log.info("connected to Slack in Socket Mode")
    wsgi = create_wsgi_app(None if socket_mode else bolt_app, engine)
    server = waitress.create_server(wsgi, host=args.host, port=settings.port, threads=8)
    signal.signal(signal.SIGTERM, _interrupt)
    log.info("auditbot listening on %s:%s", args.host, settings.port)
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.close()
        if scheduler:
            scheduler.shutdown(wait=False)
        if socket_mode:
            socket_mode.close()
        worker.stop()
    return 0


def _interrupt(*_: object) -> None:
    """SIGTERM stops `serve` the way Ctrl-C does, so the shutdown below runs."""
    raise KeyboardInterrupt


def _tick(args: argparse.Namespace) -> int:
    from scheduler.jobs import run_due_work

    settings, policy = _startup()
    token = settings.require_bot_token("tick")
    now = args.now or system_clock()
    if now.tzinfo is None:
        now = now.replace(tzinfo=settings.timezone)
    engine = open_database(settings)
    services = build_services(settings, policy, engine, token=token, clock=lambda: now)
    print(run_due_work(services, now).summary())
    return 0


def _import(args: argparse.Namespace) -> int:
    settings, policy = _startup()
    engine = open_database(settings)
    report = import_csv(
        session_factory(engine),
        args.kind,
        args.file,
        policy=policy,
        now=system_clock(),
        actor="cli",
        dry_run=args.dry_run,
    )
    for error in report.errors:
        print(error, file=sys.stderr)
    if not report.ok:
        print(f"{args.file}: {len(report.errors)} problem(s); nothing imported.", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
