"""The case system's nightly export (issue 22, part 1): at the policy's time each day, the
teams.csv, staff.csv and cases.csv found in `imports.folder` are imported (a good file) or
moved aside unchanged (a bad one), and the administrators are told; a second run that day does
nothing, and a missing folder is told once. The job is called as the sweep calls it, at a fixed
`now`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.people.nightly_import import run_nightly_import
from bot.policy.schema import ImportsPolicy, Policy
from models import AuditLogEntry, OutboxMessage, Team
from models.db import transaction
from tests.support import factories
from tests.support.acting import tick_at

TWO_AM = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 02:00 in London in December
TEAMS = "team,service_area,team_type,channel_id\nEast,East,short_term,\nWest,West,long_term,\n"
BAD_CASES = "case_ref,team,worker_email,case_type,opened_on,status\n" + "".join(
    f"CR-B{n:03d},Nowhere,nobody@example.gov.uk,CP,2026-01-01,open\n" for n in range(21)
)


@pytest.fixture
def admins(make_session):
    with transaction(make_session) as session:
        people = factories.authority(session, 1)
        second = factories.person(session, "Abe Admin", "admin")
        return [people["admin"].id, second.id]


@pytest.fixture
def export(tmp_path) -> Path:
    folder = tmp_path / "export"  # tmp_path holds the test's database too
    folder.mkdir()
    return folder


def policy_for(folder: Path) -> Policy:
    return Policy(imports=ImportsPolicy(folder=folder))


def run(make_session, folder: Path, now: datetime):
    return run_nightly_import(make_session, tick_at(now, policy_for(folder)))


def dms(make_session) -> list[OutboxMessage]:
    with make_session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.concern == "import:nightly")
                .order_by(col(OutboxMessage.id))
            )
        )


def test_a_good_file_is_imported_and_a_bad_one_moved_aside_and_both_told(
    make_session, admins, export
):
    (export / "teams.csv").write_text(TEAMS, encoding="utf-8")
    (export / "cases.csv").write_text(BAD_CASES, encoding="utf-8")
    assert run(make_session, export, TWO_AM - timedelta(minutes=1)) is None  # not yet time

    report = run(make_session, export, TWO_AM)

    assert (report.imported, report.rejected) == (["teams.csv"], ["cases.csv"])
    assert sorted(p.name for p in export.iterdir()) == ["done", "rejected"]
    assert [p.name for p in (export / "done").iterdir()] == ["teams-2026-12-01T020000.csv"]
    assert [p.name for p in (export / "rejected").iterdir()] == ["cases-2026-12-01T020000.csv"]
    with make_session() as session:
        assert {t.name for t in session.exec(select(Team))} >= {"East", "West"}
        [logged] = session.exec(
            select(AuditLogEntry).where(col(AuditLogEntry.action).startswith("import."))
        ).all()
        assert (logged.action, logged.actor, logged.subject) == (
            "import.teams", "nightly-import", "teams.csv",
        )  # fmt: skip
    sent = dms(make_session)
    told = [m for m in sent if m.method == "chat.postMessage"]
    assert sorted(m.recipient_staff_id for m in told) == sorted(admins * 2)
    imported = [m for m in told if "teams.csv imported: 2 new" in m.payload["text"]]
    rejected = [m for m in told if "cases.csv was not imported: 42 problems" in m.payload["text"]]
    assert len(imported) == len(rejected) == 2
    body = json.dumps(rejected[0].payload)
    assert "cases.csv:2: team 'Nowhere' does not exist" in body and "rejected/cases-" in body
    files = [m for m in sent if m.method == "files.uploadV2"]
    assert len(files) == 2 and files[0].payload["content"].count("\n") == 42

    assert run(make_session, export, TWO_AM + timedelta(hours=1)) is None  # once a day
    assert len(dms(make_session)) == len(sent)


def test_the_next_night_reads_only_new_files(make_session, admins, export):
    (export / "teams.csv").write_text(TEAMS, encoding="utf-8")
    run(make_session, export, TWO_AM)
    report = run(make_session, export, TWO_AM + timedelta(days=1))
    assert (report.imported, report.rejected) == ([], [])
    assert len(dms(make_session)) == 2  # what the first night told, nothing more


def test_a_missing_folder_is_logged_and_told_once_until_it_is_found(
    make_session, admins, tmp_path, caplog
):
    missing = tmp_path / "nightly"
    first = run(make_session, missing, TWO_AM)
    assert first.folder_missing and "imports.folder" in caplog.text
    assert run(make_session, missing, TWO_AM + timedelta(days=1)).folder_missing
    told = dms(make_session)
    assert len(told) == 2 and all("export folder" in m.payload["text"] for m in told)

    missing.mkdir()
    assert not run(make_session, missing, TWO_AM + timedelta(days=2)).folder_missing
    missing.rmdir()
    run(make_session, missing, TWO_AM + timedelta(days=3))
    assert len(dms(make_session)) == 4  # missing again after it was found: told again


def test_no_folder_in_the_policy_looks_for_nothing(make_session, admins):
    assert run_nightly_import(make_session, tick_at(TWO_AM, Policy())) is None
