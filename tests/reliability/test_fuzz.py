"""Reliability 7: bad input, generated (hypothesis), over the CSV importer and `/audit`.

No exception escapes; every rejection is a clear message (`FILE:LINE: message` for a file, an
explanation plus the usage line for a command); a rejected file or command changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.bootstrap import Auditbot
from bot.commands.audit_command import run_audit_command
from bot.commands.parser import AuditCommand, UsageError, parse_audit_command
from bot.core.config import Settings
from bot.people.importer import FORMATS, IMPORT_KINDS, import_csv
from bot.policy.schema import Policy
from models.db import transaction
from tests.support import factories
from tests.support.reliability import snapshot

pytestmark = pytest.mark.reliability

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,  # no .hypothesis directory in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that are valid somewhere, so generated rows get past the first check now and then.
PLAUSIBLE = [
    "North",
    "South",
    "Nowhere",
    "short_term",
    "long_term",
    "C0CHANNEL1",
    "nina.north@example.gov.uk",
    "pat.worker@example.gov.uk",
    "new.person@example.gov.uk",
    "Nina North",
    "practitioner",
    "team_manager;admin",
    "admin",
    "U0ABCDEF12",
    "yes",
    "no",
    "active",
    "left",
    "CR-N000",
    "CR-900",
    "CP",
    "TAC",
    "XYZ",
    "2025-01-01",
    "2026-02-30",
    "2030-01-01",
    "open",
    "closed",
    "",
    " ",
    '=HYPERLINK("x")',
    "Jane Child",
]
ALL_COLUMNS = sorted({c for fmt in FORMATS.values() for c in fmt.columns})
cells = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=24))
headers = st.lists(
    st.one_of(st.sampled_from(ALL_COLUMNS), st.sampled_from(["child_name", "", "EMAIL"])),
    max_size=9,
)
tables = st.tuples(headers, st.lists(st.lists(cells, max_size=9), max_size=5))


def tables_for(kind: str) -> st.SearchStrategy:
    """Mostly the kind's own columns (in any order) with rows of the right width, so values
    reach the per-column checks; sometimes any header and ragged rows."""
    columns = list(FORMATS[kind].columns)
    row = st.lists(cells, min_size=len(columns), max_size=len(columns))
    proper = st.tuples(st.permutations(columns), st.lists(row, min_size=1, max_size=5))
    return st.one_of(proper, proper, proper, tables)


PROBLEM = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<message>\S.*)$", re.DOTALL)


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def seeded(engine, make_session):
    """Two teams with managers and practitioners, so rows can refer to something real."""
    with transaction(make_session) as session:
        factories.authority(session, cases_per_team=1)
    return engine


def check_import(make_session, engine, path, kind: str, data: bytes, dry_run: bool) -> None:
    path.write_bytes(data)
    before = snapshot(engine)
    report = import_csv(
        make_session, kind, path, policy=Policy(), now=NOW, actor="fuzz", dry_run=dry_run
    )
    event("accepted" if report.ok else "refused")
    if report.ok and not dry_run:
        return  # a valid file was imported: that is allowed to change the database
    assert snapshot(engine) == before
    for problem in report.errors:
        match = PROBLEM.match(problem)
        assert match, problem
        assert match["path"] == str(path) and int(match["line"]) >= 1
        assert "Traceback" not in problem and len(match["message"]) > 10, problem


@pytest.mark.parametrize("kind", IMPORT_KINDS)
def test_generated_csv_files_are_checked_never_crash_and_change_nothing_when_refused(
    kind, seeded, make_session, tmp_path
):
    path = tmp_path / f"{kind}.csv"

    @FUZZ
    @given(table=tables_for(kind), dry_run=st.booleans())
    def check(table, dry_run):
        header, rows = table
        check_import(make_session, seeded, path, kind, as_csv(list(header), rows), dry_run)

    check()


def test_arbitrary_bytes_are_refused_clearly(seeded, make_session, tmp_path):
    path = tmp_path / "staff.csv"
    header = ",".join(FORMATS["staff"].columns).encode() + b"\n"

    @FUZZ
    @given(body=st.binary(max_size=120), with_header=st.booleans())
    def check(body, with_header):
        data = header + body if with_header else body
        check_import(make_session, seeded, path, "staff", data, dry_run=False)

    check()


# -- the slash command ---------------------------------------------------------------------------

words = st.one_of(
    st.sampled_from(
        ["help", "select", "status", "explain", "SELECT", "2026-12", "2026-13", "<@U0TM00001|x>"]
    ),
    st.text(max_size=15),
)
command_texts = st.one_of(st.text(max_size=60), st.lists(words, max_size=4).map(" ".join))


@settings(max_examples=200, deadline=None, database=None)
@given(text=command_texts)
def test_the_command_parser_answers_anything_with_a_command_or_a_usage_message(text):
    try:
        command = parse_audit_command(text)
    except UsageError as error:
        assert str(error).strip() and error.usage.startswith("/audit help")
        assert "`" in str(error) or "e.g." in str(error)
    else:
        assert isinstance(command, AuditCommand)


@pytest.fixture
def services(seeded, database_url):
    settings_ = Settings(database_url=database_url, slack_api_url="http://127.0.0.1:9/api/")
    return Auditbot(
        settings_, Policy(), engine=seeded, token="xoxb-test", clock=lambda: NOW
    ).services


def test_any_audit_command_text_gets_an_answer_and_only_select_changes_anything(
    services, seeded, make_session
):
    with make_session() as session:
        from models import Staff

        people = {
            s.name: s.slack_user_id for s in session.exec(__import__("sqlmodel").select(Staff))
        }

    @FUZZ
    @given(text=command_texts, who=st.sampled_from(sorted(people)))
    def check(text, who):
        before = snapshot(seeded)
        reply = run_audit_command(services, people[who], text).notice
        assert reply["text"].strip() and reply["blocks"]
        try:
            changes = parse_audit_command(text).spec.name == "select"
        except UsageError:
            changes = False
        if not changes:
            assert snapshot(seeded) == before

    check()
