"""The completed audit as a Word document for the child's record: what it says (read back with
python-docx), who may have it, the use case that queues it, and `auditbot report audit`."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.audit.record_data import collect_audit_record, latest_submitted_audit
from bot.audit.record_document import audit_record_docx, record_filename
from bot.audit.record_download import AWAY, NOT_ENTITLED, may_have_audit, send_audit_record
from bot.cli import main
from bot.core.calendar import LONDON
from bot.policy.schema import Policy
from models import (
    Audit,
    AuditAction,
    Booking,
    Case,
    FamilyEngagement,
    ModeratedJudgement,
    OutboxMessage,
    Staff,
)
from models.db import create_db_engine, session_factory, transaction
from tests.support import factories
from tests.support.acting import services_for
from tests.support.word import document_lines, document_text, headings

SUBMITTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 14, 11, 0, tzinfo=UTC)
CASE_REF = "CR-N000"
WEAK = "The chronology stops in August; the plan's contingency is not recorded anywhere."
DISAGREE = "The assessment predates the new baby: it cannot be called good until updated."


def build_audited_case(session) -> dict[str, object]:
    """The small authority, North's case audited in November with a held discussion, the
    family's views, two actions (one done) and a submitted re-audit by a moderator from
    outside the line who disagreed with one domain and with the overall judgement."""
    people = factories.authority(session, cases_per_team=1)
    other_head = factories.person(session, "Otto Head", "head_of_service")
    people["other_head"] = other_head
    people["moderator"] = factories.person(
        session, "Mo Moderator", "service_manager", manager=other_head
    )
    people["other_manager"] = factories.person(
        session, "Tia Other", "team_manager", people["south"], other_head
    )
    case = session.exec(select(Case).where(Case.case_ref == CASE_REF)).one()
    audit = factories.submitted_audit(session, people["north_tm"], case, SUBMITTED)
    answers = dict(audit.answers)
    answers["recording_communication"] = {
        "grade": "Requires improvement to be good",
        "justification": WEAK,
    }
    answers["final"] = {
        "impact": "She now goes to school every day and sleeps at home.",
        "views": "She says home is calmer; her mother wants more help at weekends.",
        "concern": "none",
    }
    audit.answers = answers
    session.add(audit)
    worker = people["north_worker"]
    session.add(
        AuditAction(
            audit_id=audit.id,
            what="Share the updated plan with the school",
            owner_id=worker.id,
            due_on=date(2026, 12, 4),
            status="done",
            done_note="Sent to the designated lead on 2 December.",
            done_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
            created_at=SUBMITTED,
        )
    )
    session.add(
        Booking(
            selection_id=audit.selection_id,
            starts_at=datetime(2026, 11, 17, 10, 0, tzinfo=UTC),
            duration_minutes=60,
            status="held",
            booked_by=people["north_tm"].id,
            created_at=SUBMITTED,
        )
    )
    session.add(
        FamilyEngagement(
            selection_id=audit.selection_id,
            status="views_obtained",
            method="visit",
            summary="Mother: weekends are hardest. Child: likes her worker.",
            child_outcome="engaged",
            parents_outcome="no_response",
            parents_reason="Father did not answer two letters.",
            recorded_by=people["north_tm"].id,
            updated_at=SUBMITTED,
        )
    )
    reaudit = factories.reaudit(
        session,
        audit,
        people["moderator"],
        month="2026-12",
        due_on=date(2026, 12, 31),
        at=NOW,
        status="submitted",
    )
    reaudit.submitted_at = NOW
    reaudit.comment = "A careful audit; the assessment needs revisiting with the new baby."
    reaudit.actions_addressed = "partly"
    reaudit.overall_agreed = False
    reaudit.overall_grade = "Requires improvement to be good"
    reaudit.overall_reason = "The assessment is out of date."
    session.add(reaudit)
    for domain_id in ("help_protection_stability", "assessment"):
        agreed = domain_id != "assessment"
        session.add(
            ModeratedJudgement(
                reaudit_id=reaudit.id,
                domain_id=domain_id,
                original_grade="Good",
                agreed=agreed,
                moderated_grade=None if agreed else "Requires improvement to be good",
                reason=None if agreed else DISAGREE,
                moved=None if agreed else "down",
            )
        )
    session.flush()
    people["audit"] = audit
    return people


@pytest.fixture
def world(make_session):
    with transaction(make_session) as session:
        return build_audited_case(session)


def record_docx(make_session, audit_id: int) -> bytes:
    with make_session() as session:
        record = collect_audit_record(
            session, Policy(), session.get(Audit, audit_id), LONDON, made_at=NOW
        )
    return audit_record_docx(record)


def test_the_document_holds_the_whole_audit(make_session, world):
    content = record_docx(make_session, world["audit"].id)
    text = document_text(content)
    lines = document_lines(content)
    assert headings(content)[0] == f"Case file audit: {CASE_REF}"
    for row in (
        f"Case reference | {CASE_REF}",
        "Case type | Child Protection",
        "Team | North",
        "Practitioner | Pat Worker",
        "Auditor | Nina North",
        "Audit submitted | Friday 20 November 2026",
        "Audit framework | Sefton practice framework",
    ):
        assert row in lines
    # Every domain: its question, the guidance, the grade and the justification.
    assert "Recording and communication: Requires improvement to be good" in headings(content)
    assert "Early help, protection and stability: Good" in headings(content)
    assert "Would the child understand their story from the record? Is it up to date?" in lines
    assert f"Why: {WEAK}" in lines
    assert text.count(f"Why: {factories.JUSTIFICATION}") == 6
    assert "She now goes to school every day and sleeps at home." in lines
    assert "Overall judgement: Good" in lines
    assert "Immediate concern: No immediate concern" in lines


def test_the_document_holds_the_actions_the_family_the_discussion_and_the_moderation(
    make_session, world
):
    lines = document_lines(record_docx(make_session, world["audit"].id))
    assert "Action | Who | By | Status" in lines
    assert "Update the chronology | Pat Worker | Friday 20 November 2026 | Open" in lines
    assert (
        "Share the updated plan with the school | Pat Worker | Friday 4 December 2026 | "
        "Done on Wednesday 2 December 2026: Sent to the designated lead on 2 December."
    ) in lines
    assert "Contact with the family: Views obtained, by a home or office visit." in lines
    assert "Their views: Mother: weekends are hardest. Child: likes her worker." in lines
    assert "The child: took part." in lines
    assert (
        "The parents or carers: attempted, no response. Father did not answer two letters."
    ) in lines
    assert "Held on Tuesday 17 November 2026 at 10:00." in lines
    assert "Re-audited by Mo Moderator on Monday 14 December 2026." in lines
    assert "Early help, protection and stability | Good | Agreed |  | " in lines
    assert f"Assessment | Good | Disagreed | Requires improvement to be good | {DISAGREE}" in lines
    assert (
        "Overall judgement: moderated from Good to Requires improvement to be good. "
        "The assessment is out of date."
    ) in lines
    assert "The audit's actions addressed: Partly" in lines


def test_an_inadmissible_audit_says_so(make_session, world):
    with transaction(make_session) as session:
        audit = session.get(Audit, world["audit"].id)
        audit.inadmissible_reason = "case_transferred"
        audit.inadmissible_note = "Moved to the South team before the discussion."
        session.add(audit)
    lines = document_lines(record_docx(make_session, world["audit"].id))
    assert (
        "Found inadmissible: the case was transferred. "
        "Moved to the South team before the discussion."
    ) in lines


def test_the_file_name_carries_a_safe_case_reference(make_session, world):
    with make_session() as session:
        audit = session.get(Audit, world["audit"].id)
        record = collect_audit_record(session, Policy(), audit, LONDON, made_at=NOW)
    assert record_filename(record) == "audit-CR-N000-2026-11-20.docx"
    odd = record.__class__(**{**record.__dict__, "case_ref": "../CR 7/x"})
    assert record_filename(odd) == "audit-CR-7-x-2026-11-20.docx"


ENTITLED = ["north_tm", "service_manager", "head", "admin", "moderator"]
NOT = ["north_worker", "south_tm", "other_head", "other_manager"]


@pytest.mark.parametrize("key", ENTITLED + NOT)
def test_who_may_have_the_audit(make_session, world, key):
    with make_session() as session:
        person = session.get(Staff, world[key].id)
        audit = session.get(Audit, world["audit"].id)
        assert may_have_audit(session, person, audit) is (key in ENTITLED)


def test_the_cases_team_manager_may_have_an_audit_made_by_someone_else(make_session, world):
    with transaction(make_session) as session:
        audit = session.get(Audit, world["audit"].id)
        audit.manager_id = world["other_manager"].id  # e.g. a round's auditor from South
        session.add(audit)
    with make_session() as session:
        audit = session.get(Audit, world["audit"].id)
        for key, entitled in (("north_tm", True), ("head", True), ("other_head", True)):
            assert may_have_audit(session, session.get(Staff, world[key].id), audit) is entitled


def press(make_session, person: Staff, audit_id: int):
    return send_audit_record(services_for(make_session, NOW), person.slack_user_id, str(audit_id))


def uploads(make_session) -> list[OutboxMessage]:
    with make_session() as session:
        return session.exec(
            select(OutboxMessage).where(OutboxMessage.method == "files.uploadV2")
        ).all()


def test_pressing_queues_the_document_to_the_pressers_dm_once_a_minute(make_session, world):
    reply = press(make_session, world["service_manager"], world["audit"].id)
    assert reply.text == (
        f"I've sent you the audit of {CASE_REF} as a Word document in a direct message."
    )
    press(make_session, world["service_manager"], world["audit"].id)
    [upload] = uploads(make_session)
    assert upload.recipient_staff_id == world["service_manager"].id
    [item] = upload.payload["files"]
    assert item["filename"] == "audit-CR-N000-2026-11-20.docx"
    assert f"Why: {WEAK}" in document_lines(base64.b64decode(item["content_base64"]))


def test_someone_not_entitled_is_refused_and_nothing_is_queued(make_session, world):
    reply = press(make_session, world["south_tm"], world["audit"].id)
    assert reply.text == NOT_ENTITLED
    assert not uploads(make_session)


def test_a_draft_is_not_sent(make_session, world):
    with transaction(make_session) as session:
        audit = session.get(Audit, world["audit"].id)
        audit.status = "draft"
        session.add(audit)
    reply = press(make_session, world["north_tm"], world["audit"].id)
    assert "not submitted yet" in reply.text
    assert not uploads(make_session)


# -- auditbot report audit CASE_REF [--out DIR] ----------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "AUDITBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    engine = create_db_engine(database_url)
    with transaction(session_factory(engine)) as session:
        build_audited_case(session)
    engine.dispose()


def test_report_audit_writes_the_document(cli_env, tmp_path, capsys):
    out = tmp_path / "record"
    assert main(["report", "audit", CASE_REF, "--out", str(out)]) == 0
    path = out / "audit-CR-N000-2026-11-20.docx"
    assert capsys.readouterr().out == f"wrote {path}\n"
    lines = document_lines(path.read_bytes())
    assert f"Case reference | {CASE_REF}" in lines and f"Why: {WEAK}" in lines


def test_report_audit_of_a_case_without_a_submitted_audit_fails_clearly(cli_env, tmp_path, capsys):
    out = tmp_path / "record"
    assert main(["report", "audit", "CR-S000", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "auditbot: CR-S000 has no submitted audit\n"
    assert not out.exists()


def test_the_latest_submitted_audit_of_a_case_is_found_by_its_reference(make_session, world):
    with make_session() as session:
        assert latest_submitted_audit(session, CASE_REF).id == world["audit"].id
        assert latest_submitted_audit(session, "CR-UNKNOWN") is None


def test_someone_marked_away_is_asked_to_clear_it_so_their_cover_gets_nothing(make_session, world):
    with transaction(make_session) as session:
        manager = session.get(Staff, world["north_tm"].id)
        factories.mark_away(
            session,
            manager,
            date(2026, 12, 14),
            date(2026, 12, 18),
            cover=session.get(Staff, world["south_tm"].id),
            now=NOW,
            timezone=LONDON,
        )
    reply = press(make_session, world["north_tm"], world["audit"].id)
    assert reply.text == AWAY
    assert not uploads(make_session)
