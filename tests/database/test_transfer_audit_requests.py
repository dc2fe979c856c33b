"""Who is asked to audit a file when its case moves team (issue 25, Bolton), on SQLite and
PostgreSQL: the sending or receiving team's head of service or service manager, found up the
line; nobody for a move within a team, a closed case, or when the policy is off."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.core.calendar import WorkingCalendar
from bot.policy.schema import Policy
from bot.selection.transfers import CaseMove
from bot.transfer_audit.request import request_transfer_audits
from models import AuditLogEntry, OutboxMessage, TransferAudit
from models.db import session_factory, transaction
from tests.support import factories

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # Friday


def authority(session):
    """Two services: North under Hana (head) and Sam (service manager); South under Harry and
    Sue."""
    people = factories.authority(session, cases_per_team=1)
    harry = factories.person(session, "Harry Head", "head_of_service")
    sue = factories.person(session, "Sue Service", "service_manager", manager=harry)
    people["south_tm"].manager_id = sue.id
    session.add(people["south_tm"])
    return people | {"harry": harry, "sue": sue}


def move(people, case_row, to="south"):
    worker = people["south_worker" if to == "south" else "north_worker"]
    return CaseMove(case_row.id, case_row.team_id, case_row.worker_id, people[to].id, worker.id)


def request(session, moves, **rule):
    policy = Policy(transfer_audit={"enabled": True, **rule})
    calendar = WorkingCalendar(policy.calendar.holidays_subdivision)
    return request_transfer_audits(
        session, moves, policy=policy, calendar=calendar, now=NOW, actor="cli"
    )


def north_case(session, people):
    return factories.case(session, people["north"], people["north_worker"], ref="CR-N900")


def test_the_sending_teams_head_of_service_by_default_due_in_ten_working_days(engine):
    with transaction(session_factory(engine)) as session:
        people = authority(session)
        assert request(session, [move(people, north_case(session, people))]) == 1
        [audit] = session.exec(select(TransferAudit)).all()
        assert audit.auditor_id == people["head"].id
        assert str(audit.due_on) == "2026-12-18"
        [dm] = session.exec(select(OutboxMessage)).all()
        assert dm.idempotency_key == f"transfer-audit:{audit.id}:request"
        assert dm.recipient_staff_id == people["head"].id


def test_the_receiving_teams_service_manager_when_the_policy_says_so(engine):
    with transaction(session_factory(engine)) as session:
        people = authority(session)
        case_row = north_case(session, people)
        request(session, [move(people, case_row)], auditor_team="receiving",
                auditor_role="service_manager")  # fmt: skip
        [audit] = session.exec(select(TransferAudit)).all()
        assert audit.auditor_id == people["sue"].id


def test_nobody_is_asked_within_a_team_for_a_closed_case_or_when_off(engine):
    with transaction(session_factory(engine)) as session:
        people = authority(session)
        case_row = north_case(session, people)
        within = CaseMove(case_row.id, case_row.team_id, case_row.worker_id, case_row.team_id, 1)
        assert request(session, [within]) == 0
        closed = factories.case(session, people["north"], people["north_worker"], ref="CR-N901")
        closed.status = "closed"
        session.add(closed)
        assert request(session, [move(people, closed)]) == 0
        policy = Policy()
        calendar = WorkingCalendar(policy.calendar.holidays_subdivision)
        off = request_transfer_audits(
            session, [move(people, case_row)], policy=policy, calendar=calendar, now=NOW,
            actor="cli",
        )  # fmt: skip
        assert off == 0 and session.exec(select(TransferAudit)).all() == []


def test_a_move_with_nobody_above_the_team_is_logged_not_asked(engine):
    with transaction(session_factory(engine)) as session:
        people = authority(session)
        case_row = north_case(session, people)
        people["service_manager"].manager_id = None  # Hana no longer above North
        session.add(people["service_manager"])
        assert request(session, [move(people, case_row)]) == 0
        logged = session.exec(select(AuditLogEntry.action)).all()
        assert "transfer_audit.no_auditor" in logged
