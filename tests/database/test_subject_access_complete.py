"""The subject-access export holds every row that names the person, from every table (issue 24,
part 1): checked over a month of real use (the demo's month, played through Slack), against a
scan of every row of the database written without the export's code; and a table added later
is found without any change to the export."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, Table, insert, select
from sqlmodel import SQLModel

from bot.demo.month import run_demo
from bot.privacy.identity import PERSON_EMAIL_COLUMNS
from bot.privacy.subject_access import export_person
from models import Staff
from models.db import create_db_engine, session_factory, transaction

NOW = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
# Text columns named like a person that hold something else (their text is still searched for
# names, as every text column is).
NOT_PEOPLE = {
    ("outboxmessage", "claimed_by"),  # the worker process that claimed a message
    ("audit", "manager_engagement"),  # took part | not available
    ("audit", "practitioner_engagement"),
    ("booking", "practitioner_reply"),  # yes | no
    ("booking", "practitioner_reason"),  # why they can't make it
}
PERSON_LIKE = ("_by", "actor", "owner", "recipient", "email", "manager", "practitioner")


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    folder = tmp_path_factory.mktemp("month")
    run_demo(io.StringIO(), keep_database=folder)
    engine = create_db_engine(f"sqlite:///{folder / 'demo.db'}")
    yield session_factory(engine)
    engine.dispose()


def staff_of(make_session) -> list[Staff]:
    with make_session() as session:
        return list(session.exec(select(Staff).order_by(Staff.id)).scalars())


def rows_naming(session, person: Staff) -> set[tuple[str, object]]:
    """Every row that names the person, by a plain scan: a column referring to their staff row,
    or any value whose text holds their email, Slack id or name (their own staff row only)."""
    words = [w.lower() for w in (person.email, person.slack_user_id, person.name) if w]
    named = set()
    for table in SQLModel.metadata.sorted_tables:
        [key] = list(table.primary_key.columns)
        for row in session.execute(select(table)).mappings():
            if table.name == "staff":
                hit = row["id"] == person.id
            else:
                hit = any(
                    row[column.name] == person.id
                    for column in table.columns
                    if any(fk.column.table.name == "staff" for fk in column.foreign_keys)
                ) or any(
                    word in _text(row[column.name]).lower()
                    for column in table.columns
                    for word in words
                )
            if hit:
                named.add((table.name, row[key.name]))
    return named


def _text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value) + json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else ""


def exported_rows(export: dict) -> set[tuple[str, object]]:
    keys = {"hometabviewer": "staff_id"}
    return {
        (table, row[keys.get(table, "id")])
        for table, rows in export["tables"].items()
        for row in rows
    }


def test_every_row_naming_a_person_is_in_their_export_for_everyone_in_a_month(month):
    tables_seen = set()
    people = staff_of(month)
    assert len(people) >= 10
    for person in people:
        with transaction(month) as session:
            named = rows_naming(session, person)
            export = export_person(session, person.email, now=NOW, operator="test")
        missing = named - exported_rows(export)
        assert not missing, f"{person.email}: {sorted(missing)[:10]}"
        tables_seen |= {table for table, _ in named}
    # The month reaches most of the schema: the check is not vacuous.
    assert {"audit", "auditaction", "booking", "outboxmessage", "reaudit", "tacsupervision"} <= (
        tables_seen
    )
    assert len(tables_seen) >= 15, sorted(tables_seen)


def test_every_column_named_like_a_person_is_known_to_the_export():
    """A new `approved_by` text column fails here until it is a foreign key to staff, or the
    export reads it as an email (PERSON_EMAIL_COLUMNS), or it is shown to hold no person."""
    unknown = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(part in column.name for part in PERSON_LIKE)
        and isinstance(column.type, String)
        and not column.foreign_keys
        and column.name not in PERSON_EMAIL_COLUMNS.get(table.name, ())
        and (table.name, column.name) not in NOT_PEOPLE
        and table.name != "staff"
    ]
    assert not unknown, f"columns that may name a person, unknown to the export: {unknown}"


def test_a_table_added_later_is_exported_without_changing_the_export(month):
    """A new table that names people by a foreign key, or in its text, is found as it is."""
    table = Table(
        "later_feature",
        SQLModel.metadata,
        Column("id", Integer, primary_key=True),
        Column("staff_id", ForeignKey("staff.id")),
        Column("note", String),
    )
    try:
        with transaction(month) as session:
            table.create(session.connection())
            first, second = staff_of(month)[:2]
            session.execute(insert(table).values(id=1, staff_id=first.id, note="x"))
            session.execute(insert(table).values(id=2, staff_id=None, note=f"ask {second.name}"))
            by_key = export_person(session, first.email, now=NOW, operator="test")
            by_name = export_person(session, second.email, now=NOW, operator="test")
            table.drop(session.connection())
        assert [row["id"] for row in by_key["tables"]["later_feature"]] == [1]
        assert [row["id"] for row in by_name["tables"]["later_feature"]] == [2]
    finally:
        SQLModel.metadata.remove(table)
