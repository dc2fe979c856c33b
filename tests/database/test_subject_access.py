"""`auditbot export --person EMAIL` (issue 13, part 6): all that Auditbot holds about a member
of staff, as JSON; an unknown email is an error with exit status 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.cli import main
from bot.core import auditlog
from bot.core.outbox import queue_dm
from models import AuditLogEntry, Staff
from models.db import create_db_engine, session_factory, transaction
from tests.database.test_cli import env  # noqa: F401
from tests.support.report_fixture import build_report_world

NOW = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
PAT, NINA = "pat.worker@example.gov.uk", "nina.north@example.gov.uk"


@pytest.fixture
def world(request, database_url):
    """The report's authority, a message queued to Pat and an audit-log entry by him."""
    request.getfixturevalue("env")  # the command line's environment (tests/database/test_cli.py)
    engine = create_db_engine(database_url)
    with transaction(session_factory(engine)) as session:
        build_report_world(session)
        pat = session.exec(select(Staff).where(Staff.email == PAT)).one()
        queue_dm(
            session, key="to-pat", recipient=pat, message={"text": "Your action is due"},
            concern="action:1", now=NOW,
        )  # fmt: skip
        auditlog.record(session, actor=PAT, action="action.done", subject="action:1", now=NOW)
    yield session_factory(engine)
    engine.dispose()


def export(tmp_path, email: str) -> dict:
    out = tmp_path / "export.json"
    assert main(["export", "--person", email, "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_practitioners_export_holds_their_cases_actions_bookings_and_messages(world, tmp_path):
    data = export(tmp_path, PAT.upper())  # emails match whatever their case
    assert data["staff"]["email"] == PAT and data["staff"]["name"] == "Pat Worker"
    assert data["team"][0]["name"] == "North" and data["manager"][0]["email"] == NINA
    assert [case["case_ref"] for case in data["cases_held"]] == [f"CR-N{n}" for n in range(1, 6)]
    assert len(data["actions_assigned"]) == 6
    assert {action["owner_id"] for action in data["actions_assigned"]} == {data["staff"]["id"]}
    assert sorted(b["status"] for b in data["bookings"]) == ["held", "held", "moved"]
    assert len(data["tac_summaries"]) == 2
    assert [m["idempotency_key"] for m in data["messages_sent_to_them"]] == ["to-pat"]
    assert data["messages_sent_to_them"][0]["payload"] == {"text": "Your action is due"}
    assert [e["action"] for e in data["audit_log_by_them"]] == ["action.done"]
    assert data["audits_done"] == [] and data["reaudits_moderated"] == []


def test_a_managers_export_holds_the_audits_they_did(world, tmp_path):
    data = export(tmp_path, NINA)
    assert len(data["audits_done"]) == 3
    assert {a["manager_id"] for a in data["audits_done"]} == {data["staff"]["id"]}
    assert sorted(a["overall"] for a in data["audits_done"]) == ["Good", "Good", "Outstanding"]
    assert all(a["answers"]["assessment"]["justification"] for a in data["audits_done"])
    assert len(data["selections"]) == 3
    assert data["actions_assigned"] == [] and data["messages_sent_to_them"] == []
    with world() as session:
        logged = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "export.subject_access")
        ).all()
    assert [entry.subject for entry in logged] == [NINA]


def test_the_export_can_go_to_standard_output(world, capsys):
    assert main(["export", "--person", NINA]) == 0
    assert json.loads(capsys.readouterr().out)["staff"]["email"] == NINA


def test_an_unknown_email_is_an_error(world, tmp_path, capsys):
    out = tmp_path / "export.json"
    assert main(["export", "--person", "nobody@example.gov.uk", "--out", str(out)]) == 2
    assert "no member of staff has the email 'nobody@example.gov.uk'" in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_file_is_an_error(world, tmp_path, capsys):
    assert main(["export", "--person", NINA, "--out", str(tmp_path / "no" / "such.json")]) == 2
    assert "cannot write the export" in capsys.readouterr().err
