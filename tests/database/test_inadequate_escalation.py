"""`escalate_if_inadequate` called as the moderation's re-audit calls it (with a scheduler tick
or a unit of work): the head of service is told once per audit, with the audit log entry the QA
briefing counts; frameworks without grades and inadmissible audits are never escalated."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.audit.inadequate import ESCALATED, escalate_if_inadequate
from bot.policy.schema import Policy
from models import Audit, AuditLogEntry, Case, OutboxMessage
from tests.support import factories
from tests.support.acting import acting_as, tick_at

NOW = datetime(2026, 12, 14, 11, 0, tzinfo=UTC)


def an_audit(session, people, overall="Good") -> Audit:
    case = session.exec(select(Case)).first()
    return factories.submitted_audit(session, people["north_tm"], case, NOW, overall=overall)


def dms_to(session, person) -> list[OutboxMessage]:
    return session.exec(
        select(OutboxMessage).where(OutboxMessage.recipient_staff_id == person.id)
    ).all()


def entries(session) -> list[AuditLogEntry]:
    return session.exec(select(AuditLogEntry).where(AuditLogEntry.action == ESCALATED)).all()


def test_a_reaudit_moving_the_judgement_to_inadequate_escalates_once(people):
    session, staff = people
    audit = an_audit(session, staff)
    tick = tick_at(NOW)
    assert not escalate_if_inadequate(session, tick, audit, "Requires improvement to be good")
    assert escalate_if_inadequate(session, tick, audit, "Inadequate")
    assert not escalate_if_inadequate(session, tick, audit, "Inadequate")
    [dm] = dms_to(session, staff["head"])
    assert dm.idempotency_key == f"audit:{audit.id}:inadequate:{staff['head'].id}"
    assert "*Inadequate* overall at moderation" in str(dm.payload["blocks"])
    [entry] = entries(session)
    assert (entry.subject, entry.actor) == (f"audit:{audit.id}", "scheduler")
    assert entry.details["overall"] == "Inadequate"


def test_with_a_unit_of_work_the_moderator_is_the_actor(people, make_session):
    session, staff = people
    audit_id = an_audit(session, staff).id
    session.commit()
    with acting_as(make_session, staff["service_manager"], NOW) as uow:
        audit = uow.session.get(Audit, audit_id)
        assert escalate_if_inadequate(uow.session, uow, audit, "Inadequate")
    session.expire_all()
    [entry] = entries(session)
    assert entry.actor == staff["service_manager"].email


def test_no_grades_or_an_inadmissible_audit_is_never_escalated(people):
    session, staff = people
    audit = an_audit(session, staff, overall="Inadequate")
    ungraded = Policy.model_validate({"framework": {"grades": []}})
    assert not escalate_if_inadequate(session, tick_at(NOW, ungraded), audit, "Inadequate")
    audit.inadmissible_reason = "wrong_case_type"
    assert not escalate_if_inadequate(session, tick_at(NOW), audit, "Inadequate")
    assert not entries(session) and not dms_to(session, staff["head"])
