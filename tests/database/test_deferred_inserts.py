"""Deferred inserts (models/db.py): DMs queued and audit-log entries recorded in a transaction
go to the database in one batch, yet everything in that transaction that reads or changes their
table sees them, a rollback drops them, and a message key already there is never queued twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.core import auditlog
from bot.core.outbox import queue_dm, queue_update, withdraw_pending
from models import AuditLogEntry, OutboxMessage
from models.db import transaction
from tests.support import factories

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def people(make_session):
    with transaction(make_session) as session:
        north = factories.team(session)
        return [factories.person(session, f"Manager {n}", "team_manager", north) for n in range(5)]


@pytest.fixture
def inserts(engine):
    """The INSERT statements sent to the outbox table (an executemany counts once)."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO outboxmessage"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def dm(session, person, key: str) -> None:
    queue_dm(
        session, key=key, recipient=person, message={"text": f"for {person.name}"},
        concern=f"test:{key}", now=NOW,
    )  # fmt: skip


def keys(make_session) -> list[str]:
    with make_session() as session:
        return list(session.exec(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id)))


def test_a_transactions_dms_go_in_one_batch_in_the_order_queued(make_session, people, inserts):
    with transaction(make_session) as session:
        for number, person in enumerate(people):
            dm(session, person, f"dm-{number}")
        dm(session, people[0], "dm-0")  # queued twice in one transaction: kept once
        assert inserts == []  # nothing has gone yet
    assert len(inserts) == 1
    assert keys(make_session) == [f"dm-{number}" for number in range(5)]


def test_what_the_transaction_reads_or_changes_of_the_outbox_includes_what_it_queued(
    make_session, people
):
    with transaction(make_session) as session:
        dm(session, people[0], "booking")
        found = session.exec(select(OutboxMessage).where(OutboxMessage.concern == "test:booking"))
        assert [row.idempotency_key for row in found] == ["booking"]
        dm(session, people[1], "reminder")
        withdraw_pending(session, "test:reminder")  # a change, not a read: still sees it
        dm(session, people[2], "original")
        queue_update(
            session, key="original:v2", update_of="original", message={"text": "changed"},
            concern="test:original", now=NOW,
        )  # fmt: skip
    with make_session() as session:
        rows = {row.idempotency_key: row for row in session.exec(select(OutboxMessage))}
    assert rows["reminder"].status == "withdrawn"
    assert rows["original:v2"].payload["update_of"] == "original"
    assert rows["original"].id < rows["original:v2"].id  # the order queued


def test_a_rollback_drops_what_was_queued_and_a_key_already_there_is_not_queued_again(
    make_session, people
):
    with pytest.raises(RuntimeError), transaction(make_session) as session:
        dm(session, people[0], "lost")
        raise RuntimeError("the use case failed")
    with transaction(make_session) as session:
        dm(session, people[1], "kept")
    with transaction(make_session) as session:
        dm(session, people[1], "kept")  # a re-run: the key is there
        dm(session, people[2], "new")
    assert keys(make_session) == ["kept", "new"]


def test_audit_log_entries_go_in_one_batch_and_are_read_back_in_their_transaction(
    make_session, engine
):
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO auditlogentry"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction(make_session) as session:
            for number in range(3):
                auditlog.record(
                    session, actor="scheduler", action="test.step", subject=f"step:{number}",
                    now=NOW, note="a reason",
                )  # fmt: skip
            assert sent == []
            logged = session.exec(select(AuditLogEntry.subject).order_by(AuditLogEntry.id))
            assert list(logged) == ["step:0", "step:1", "step:2"]
            assert len(sent) == 1
    finally:
        event.remove(engine, "before_cursor_execute", count)
