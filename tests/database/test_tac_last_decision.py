"""Each TAC case notes its latest recorded checkpoint decision, which the digests and the Home
tab show: the newest recorded checkpoint's (not the newest row's), never a draft's; a database
migrated from before the note gets it filled in."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session

from bot.policy.schema import Policy
from bot.tac.cases import note_latest_decisions, tac_cases
from models import Case, TacDecision, TacSupervision
from models.db import alembic_config, transaction, upgrade_database
from tests.support import factories

HELD_LATER = date(2026, 11, 2)


def _checkpoint(
    session: Session, case: Case, *, held_on: date, recorded: bool, reason: str
) -> TacDecision:
    at = datetime.combine(held_on, datetime.min.time(), tzinfo=UTC).replace(hour=15)
    supervision = TacSupervision(
        manager_id=case.worker_id, practitioner_id=case.worker_id,
        status="recorded" if recorded else "draft", case_ids=[case.id],
        held_on=held_on, started_at=at, recorded_at=at if recorded else None,
    )  # fmt: skip
    session.add(supervision)
    session.flush()
    decision = TacDecision(
        supervision_id=supervision.id, case_id=case.id, decision="not_needed", reason=reason
    )
    session.add(decision)
    session.flush()
    return decision


def _history(session: Session) -> tuple[Case, TacDecision]:
    """A case whose later-held checkpoint was recorded first (so its decision has the lower
    id), then an earlier one recorded, then a draft started: the later-held one is newest."""
    north = factories.team(session)
    worker = factories.person(session, "Pat Worker", "practitioner", north)
    case = factories.case(session, north, worker, "CR-TAC-7", case_type="TAC")
    newest = _checkpoint(session, case, held_on=HELD_LATER, recorded=True, reason="newest")
    _checkpoint(session, case, held_on=date(2026, 10, 5), recorded=True, reason="older")
    _checkpoint(session, case, held_on=date(2026, 12, 1), recorded=False, reason="draft")
    return case, newest


def _shown(session: Session, case: Case) -> tuple[str | None, date | None]:
    [item] = tac_cases(session, policy=Policy().tac, today=date(2026, 12, 7), case_ids=[case.id])
    reason = item.last_decision.reason if item.last_decision else None
    return reason, item.last_considered_on


def test_the_newest_recorded_checkpoint_is_shown_not_the_newest_row(make_session):
    with transaction(make_session) as session:
        case, newest = _history(session)
        assert _shown(session, case) == (None, None)  # never noted: nothing shown
        note_latest_decisions(session, [case.id])
        assert case.tac_last_decision_id == newest.id
        assert _shown(session, case) == ("newest", HELD_LATER)


def test_a_database_migrated_from_before_the_note_has_it_filled_in(engine, make_session):
    with transaction(make_session) as session:
        case, newest = _history(session)
        case_id, newest_id = case.id, newest.id
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0025")

    upgrade_database(engine)

    with make_session() as session:
        assert session.get(Case, case_id).tac_last_decision_id == newest_id


def test_two_checkpoints_recorded_at_once_leave_the_later_noted(engine, make_session):
    """Two checkpoints of one case recorded at once: the one recorded later commits first, and
    the other, waiting on the case's row, then sees it and leaves it noted."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    with transaction(make_session) as session:
        north = factories.team(session)
        worker = factories.person(session, "Pat Worker", "practitioner", north)
        case_id = factories.case(session, north, worker, "CR-TAC-8", case_type="TAC").id
    first, second = make_session(), make_session()
    try:
        later = _checkpoint(
            first, first.get(Case, case_id), held_on=HELD_LATER, recorded=True, reason="later"
        )
        note_latest_decisions(first, [case_id])  # holds the case's row until it commits

        def record_earlier() -> None:
            case = second.get(Case, case_id)
            _checkpoint(second, case, held_on=date(2026, 10, 5), recorded=True, reason="earlier")
            note_latest_decisions(second, [case_id])
            second.commit()

        waiting_pid = second.execute(text("SELECT pg_backend_pid()")).scalar()
        recording = threading.Thread(target=record_earlier)
        recording.start()
        _wait_until_waiting_for_a_lock(engine, waiting_pid)
        first.commit()
        recording.join(timeout=30)
        assert not recording.is_alive()
    finally:
        first.close()
        second.close()
    with make_session() as session:
        assert session.get(Case, case_id).tac_last_decision_id == later.id


def _wait_until_waiting_for_a_lock(engine: Engine, pid: int) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND wait_event_type = 'Lock'"
    )
    with engine.connect() as connection:
        for _ in range(3000):
            if connection.execute(waiting, {"pid": pid}).scalar():
                return
            time.sleep(0.01)
    raise AssertionError("the second checkpoint never waited for the case's row")
