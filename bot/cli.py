"""The `auditbot` command line: serve, tick, import, report, export, demo, init.

Each command imports what only it needs when it runs (the Word record, the briefing's files,
subject access, Slack's Bolt app): `tick` and `serve` start lighter."""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path

from bot.bootstrap import (
    REQUEST_THREADS,
    Auditbot,
    open_database,
    system_clock,
    working_calendar,
)
from bot.core.config import Settings, load_settings
from bot.core.errors import ConfigError
from bot.people.importer import IMPORT_KINDS, import_csv
from bot.policy.presets import (
    DEFAULT_OUT,
    PRESETS,
    placeholder_emails,
    preset_name,
    write_preset,
)
from bot.policy.schema import Policy, load_policy
from bot.report.period import Period, default_period
from models.db import session_factory, transaction

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

    report = commands.add_parser(
        "report",
        help="write the QA briefing (CSV tables, PNG chart, Markdown), or an audit for the "
        "child's record (Word), to a folder",
    )
    kinds = report.add_subparsers(dest="kind", required=True, metavar="KIND")
    monthly = kinds.add_parser("monthly", help="a month's briefing")
    monthly.add_argument(
        "--month", dest="period", type=_month, metavar="YYYY-MM", help="default: last month"
    )
    quarterly = kinds.add_parser("quarterly", help="a quarter's briefing")
    quarterly.add_argument(
        "--quarter", dest="period", type=_quarter, metavar="YYYY-Qn", help="default: last quarter"
    )
    for kind in (monthly, quarterly):
        kind.add_argument(
            "--out", type=Path, default=Path("."), help="folder to write to (default: here)"
        )
        kind.set_defaults(run=_report)
    # Issue 21: the completed audit for the child's record.
    audit = kinds.add_parser(
        "audit", help="a case's latest submitted audit, as a Word document for the child's record"
    )
    audit.add_argument("case_ref", metavar="CASE_REF", help="the case reference")
    audit.add_argument(
        "--out", type=Path, default=Path("."), help="folder to write to (default: here)"
    )
    audit.set_defaults(run=_report_audit)

    # Issue 13: subject access.
    export = commands.add_parser(
        "export", help="write all that Auditbot holds about a member of staff, as JSON"
    )
    export.add_argument("--person", required=True, metavar="EMAIL", help="their staff email")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.add_argument(
        "--operator",
        metavar="NAME",
        help="who runs the export, for the audit log (default: this computer's login name)",
    )
    export.set_defaults(run=_export)

    demo = commands.add_parser("demo", help="run an audit month offline on sample data")
    demo.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write the QA briefing files and transcript.html (the month as Slack shows it)",
    )
    demo.set_defaults(run=_demo)

    # Issue 25: a council's starting policy file, from one of the five councils' programmes.
    init = commands.add_parser(
        "init", help="write a commented policy file from a council's programme (a preset)"
    )
    which = init.add_mutually_exclusive_group(required=True)
    which.add_argument("--preset", metavar="NAME", help="stockport, bolton, gloucestershire, …")
    which.add_argument("--list", action="store_true", help="name the presets and exit")
    init.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"file to write (default: {DEFAULT_OUT})"
    )
    init.add_argument("--force", action="store_true", help="replace the file if it exists")
    init.set_defaults(run=_init)
    return parser


def _aware_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 time, e.g. 2026-12-01T08:00"
        ) from exc


def _month(text: str) -> Period:
    try:
        return Period.parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _quarter(text: str) -> Period:
    try:
        return Period.parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _startup() -> tuple[Settings, Policy]:
    settings = load_settings()
    return settings, load_policy(settings.policy_path)


def _serve(args: argparse.Namespace) -> int:
    import waitress

    from scheduler.runner import start_scheduler

    settings, policy = _startup()
    token = settings.require_bot_token("serve")
    secret = None if settings.slack_app_token else settings.require_signing_secret()
    bot = Auditbot(settings, policy, token=token)
    bolt_app = bot.bolt_app(secret)
    bot.deliver_in_background()
    scheduler = None if args.no_scheduler else start_scheduler(bot.services)
    socket_mode = None
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_mode = SocketModeHandler(bolt_app, settings.slack_app_token)
        socket_mode.connect()
        log.info("connected to Slack in Socket Mode")
    wsgi = bot.http_app(None if socket_mode else bolt_app, secret)
    server = waitress.create_server(
        wsgi, host=args.host, port=settings.port, threads=REQUEST_THREADS
    )
    signal.signal(signal.SIGTERM, _interrupt)
    _freeze_startup_objects()
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
        bot.close()
    return 0


def _freeze_startup_objects() -> None:
    """What start-up made (modules, the ORM's mappers, policy, templates, the Bolt app) lives
    as long as the process: keep it out of the garbage collector's full collections, which
    walked all of it with the GIL held (50-80 ms, every few seconds under load: the tail of
    the acknowledgement latency) and now take a few milliseconds. A busy day's tick makes
    several such collections: they were a sixth of its time."""
    gc.collect()
    gc.freeze()


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
    bot = Auditbot(settings, policy, token=token, clock=lambda: now)
    _freeze_startup_objects()
    print(run_due_work(bot.services, now).summary())
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
        calendar=working_calendar(settings, policy),
    )
    for error in report.errors:
        print(error, file=sys.stderr)
    if not report.ok:
        print(f"{args.file}: {len(report.errors)} problem(s); nothing imported.", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


def _report(args: argparse.Namespace) -> int:
    from bot.report.delivery import briefing_as_of
    from bot.report.files import briefing_files, write_files
    from bot.report.markdown import briefing_headline

    settings, policy = _startup()
    today = system_clock().astimezone(settings.timezone).date()
    period = args.period or default_period(args.kind, today)
    engine = open_database(settings)
    with session_factory(engine)() as session:
        calendar = working_calendar(settings, policy)
        briefing = briefing_as_of(session, policy, calendar, period, today)
    # The operator reads the database directly, so the files include those naming cases.
    try:
        written = write_files(args.out, briefing_files(briefing, with_cases=True))
    except OSError as exc:
        print(f"auditbot: cannot write the briefing to {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(briefing_headline(briefing))
    for path in written:
        print(f"wrote {path}")
    return 0


def _report_audit(args: argparse.Namespace) -> int:
    from bot.audit.record_data import collect_audit_record, latest_submitted_audit
    from bot.audit.record_document import audit_record_docx, record_filename
    from bot.report.files import write_files

    settings, policy = _startup()
    engine = open_database(settings)
    with session_factory(engine)() as session:
        audit = latest_submitted_audit(session, args.case_ref)
        if audit is None:
            print(f"auditbot: {args.case_ref} has no submitted audit", file=sys.stderr)
            return 2
        record = collect_audit_record(session, policy, audit, settings.timezone, system_clock())
    try:
        [written] = write_files(args.out, {record_filename(record): audit_record_docx(record)})
    except OSError as exc:
        print(f"auditbot: cannot write the audit to {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {written}")
    return 0


def _operator(named: str | None) -> str:
    """Who ran a command, as the audit log names them: as given, or the login name."""
    if named:
        return named
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # a container's user with no name
        login = "unknown user"
    return f"{login} (command line)"


def _export(args: argparse.Namespace) -> int:
    from bot.privacy.subject_access import UnknownPerson, export_person

    settings, _policy = _startup()
    engine = open_database(settings)
    try:
        with transaction(session_factory(engine)) as session:
            data = export_person(
                session, args.person, now=system_clock(), operator=_operator(args.operator)
            )
    except UnknownPerson as error:
        print(f"auditbot: {error}; nothing exported", file=sys.stderr)
        return 2
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"auditbot: cannot write the export to {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo.month import run_demo

    try:
        return run_demo(sys.stdout, args.out)
    except OSError as exc:
        print(f"auditbot: cannot write the demo to {args.out}: {exc.strerror}", file=sys.stderr)
        return 2


def _init(args: argparse.Namespace) -> int:
    if args.list:
        width = max(map(len, PRESETS))
        for name, description in PRESETS.items():
            print(f"{name:<{width}}  {description}")
        return 0
    written = write_preset(args.preset, args.out, force=args.force)
    name = preset_name(args.preset).capitalize()
    print(f"wrote {written}: {name}'s programme, checked as a policy file.")
    placeholders = placeholder_emails(written.read_text(encoding="utf-8"))
    if placeholders:
        print("Replace its placeholder staff emails with your people's: " + ", ".join(placeholders))
    print(f"Edit it to your practice, then start Auditbot with AUDITBOT_CONFIG={written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
