"""`auditbot export --person EMAIL` (issues 13 and 24): all that Auditbot holds about a member of
staff, as JSON, found by one mechanism over the schema; other people's free text is listed for
review; the export is logged with its operator; an unknown email is an error with exit status 2."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.cli import main
from bot.core import auditlog
from bot.core.outbox import queue_dm
from models import Absence, AuditLogEntry, Extension, HomeTabViewer, Selection, Staff
from models.db import create_db_engine, session_factory, transaction
from tests.database.test_cli import env  # noqa: F401
from tests.support.report_fixture import build_report_world

NOW = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
PAT, NINA, ADA = "pat.worker@example.gov.uk", "nina.north@example.gov.uk", "Ada Admin"


@pytest.fixture
def world(request, database_url):
    """The report's authority, a message queued to Pat, an audit-log entry by him, an absence
    an administrator set for him, his Home tab, and Nina's extension request with its reason."""
    request.getfixturevalue("env")  # the command line's environment (tests/database/test_cli.py)
    engine = create_db_engine(database_url)
    with transaction(session_factory(engine)) as session:
        build_report_world(session)
        pat = session.exec(select(Staff).where(Staff.email == PAT)).one()
        nina = session.exec(select(Staff).where(Staff.email == NINA)).one()
        queue_dm(
            session, key="to-pat", recipient=pat, message={"text": "Your action is due"},
            concern="action:1", now=NOW,
        )  # fmt: skip
        auditlog.record(session, actor=PAT, action="action.done", subject="action:1", now=NOW)
        session.add(
            Absence(
                staff_id=pat.id, set_by="ada.admin@example.gov.uk", created_at=NOW,
                starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 8),
                starts_at=NOW, ends_before=datetime(2027, 1, 9, tzinfo=UTC),
            )
        )  # fmt: skip
        auditlog.record(
            session, actor="ada.admin@example.gov.uk", action="away.set",
            subject=f"staff:{pat.id}", now=NOW,
        )  # fmt: skip
        session.add(HomeTabViewer(staff_id=pat.id, first_opened_at=NOW, last_opened_at=NOW))
        selection = session.exec(select(Selection).where(Selection.manager_id == nina.id)).first()
        session.add(
            Extension(
                selection_id=selection.id, requested_by_id=nina.id, decider_id=nina.manager_id,
                reason="Off sick for a week", old_due_on=date(2027, 1, 8),
                new_due_on=date(2027, 1, 15), working_days=5, status="approved", created_at=NOW,
            )
        )  # fmt: skip
    yield session_factory(engine)
    engine.dispose()


def export(tmp_path, email: str, *extra: str) -> dict:
    out = tmp_path / "export.json"
    assert main(["export", "--person", email, "--out", str(out), *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_practitioners_export_holds_their_cases_actions_absences_and_what_others_did(
    world, tmp_path
):
    data = export(tmp_path, PAT.upper())  # emails match whatever their case
    person, tables = data["person"], data["tables"]
    assert person["email"] == PAT and person["name"] == "Pat Worker"
    assert {row["email"] for row in tables["staff"]} == {PAT, NINA}  # Pat and his manager
    assert [case["case_ref"] for case in tables["case"]] == [f"CR-N{n}" for n in range(1, 6)]
    pats_actions = [a for a in tables["auditaction"] if a["owner_id"] == person["id"]]
    assert len(pats_actions) == 6
    assert sorted(b["status"] for b in tables["booking"]) == ["held", "held", "moved"]
    assert len(tables["tacsummary"]) == 2
    [message] = tables["outboxmessage"]
    assert message["idempotency_key"] == "to-pat"
    assert message["payload"] == {"text": "Your action is due"}
    [absence] = tables["absence"]
    assert absence["set_by"] == "ada.admin@example.gov.uk"
    assert [row["staff_id"] for row in tables["hometabviewer"]] == [person["id"]]
    logged = {(entry["actor"], entry["action"]) for entry in tables["auditlogentry"]}
    assert (PAT, "action.done") in logged
    assert ("ada.admin@example.gov.uk", "away.set") in logged  # about him, not by him
    # The audits of his cases, by his manager: their words are listed for review.
    assert tables["audit"] and all(a["manager_id"] != person["id"] for a in tables["audit"])
    review = {(item["table"], item["column"]) for item in data["for_review"]}
    assert ("audit", "answers") in review and ("outboxmessage", "payload") in review


def test_a_managers_export_holds_the_audits_they_did_and_their_own_words_are_not_for_review(
    world, tmp_path
):
    data = export(tmp_path, NINA)
    me, tables = data["person"]["id"], data["tables"]
    done = [a for a in tables["audit"] if a["manager_id"] == me]
    assert len(done) == 3
    assert sorted(a["overall"] for a in done) == ["Good", "Good", "Outstanding"]
    assert all(a["answers"]["assessment"]["justification"] for a in done)
    assert len([s for s in tables["selection"] if s["manager_id"] == me]) == 3
    [extension] = tables["extension"]
    assert extension["reason"] == "Off sick for a week"
    review = {(item["table"], item["id"], item["column"]) for item in data["for_review"]}
    assert not any(key[0] == "audit" and key[2] == "answers" for key in review)
    assert ("extension", extension["id"], "reason") not in review  # her own reason


def test_the_export_is_logged_with_the_operator_who_ran_it(world, tmp_path):
    data = export(tmp_path, NINA, "--operator", "dpo@example.gov.uk")
    assert data["exported_by"] == "dpo@example.gov.uk"
    with world() as session:
        logged = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "export.subject_access")
        ).all()
    assert [(entry.actor, entry.details["email"]) for entry in logged] == [
        ("dpo@example.gov.uk", NINA)
    ]
    export(tmp_path, NINA)  # no operator named: the computer's login name, never "cli"
    with world() as session:
        actors = session.exec(
            select(AuditLogEntry.actor).where(AuditLogEntry.action == "export.subject_access")
        ).all()
    assert actors[1].endswith("(command line)") and actors[1] != "cli"


def test_the_export_can_go_to_standard_output(world, capsys):
    assert main(["export", "--person", NINA]) == 0
    assert json.loads(capsys.readouterr().out)["person"]["email"] == NINA


def test_an_unknown_email_is_an_error(world, tmp_path, capsys):
    out = tmp_path / "export.json"
    assert main(["export", "--person", "nobody@example.gov.uk", "--out", str(out)]) == 2
    assert "no member of staff has the email 'nobody@example.gov.uk'" in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_file_is_an_error(world, tmp_path, capsys):
    assert main(["export", "--person", NINA, "--out", str(tmp_path / "no" / "such.json")]) == 2
    assert "cannot write the export" in capsys.readouterr().err
