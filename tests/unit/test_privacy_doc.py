"""docs/privacy.md lists every table and every column of the database, and nothing else, so
the data protection impact assessment cannot drift from what Auditbot stores."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table in the metadata)
from bot.privacy.retention import FREE_TEXT_COLUMNS

PRIVACY_DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
HEADING = re.compile(r"^### `(\w+)`$")
ROW = re.compile(r"^\| `(\w+)` \|(.+)\|(.+)\|$")


def documented_columns() -> dict[str, list[tuple[str, str, str]]]:
    """table → [(column, what and why, kept for)] as written in docs/privacy.md."""
    tables: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in PRIVACY_DOC.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            current = tables.setdefault(heading.group(1), [])
            continue
        row = ROW.match(line)
        if row and current is not None:
            current.append((row.group(1), row.group(2).strip(), row.group(3).strip()))
    return tables


def test_every_table_and_column_is_described():
    documented = documented_columns()
    stored = {
        table.name: [c.name for c in table.columns] for table in SQLModel.metadata.tables.values()
    }
    missing = [
        f"{table}.{column}"
        for table, columns in stored.items()
        for column in columns
        if column not in [row[0] for row in documented.get(table, [])]
    ]
    assert not missing, f"docs/privacy.md does not describe: {', '.join(missing)}"
    stale = [
        f"{table}.{row[0]}"
        for table, rows in documented.items()
        for row in rows
        if row[0] not in stored.get(table, [])
    ]
    assert not stale, f"docs/privacy.md describes what is not stored: {', '.join(stale)}"


def test_each_column_says_why_and_for_how_long():
    for table, rows in documented_columns().items():
        assert len({row[0] for row in rows}) == len(rows), f"{table}: a column listed twice"
        for column, why, kept in rows:
            assert why and kept, f"{table}.{column}: say what it is for and how long it is kept"


# JSON columns whose free text is inside (the sweep redacts their keys: FREE_TEXT_KEYS), and
# the outbox's message bodies, which go whole after their own period.
TEXT_INSIDE = {("audit", "answers"), ("reaudit", "answers"), ("auditlogentry", "details")}


def test_every_column_the_document_calls_free_text_is_removed_after_its_period():
    """What the document promises goes after `retention.free_text_days` is what the sweep
    removes (bot/privacy/retention.py): a new table's free text cannot be forgotten."""
    swept = {
        (text.model.__tablename__, column) for text in FREE_TEXT_COLUMNS for column in text.columns
    }
    promised = {
        (table, column)
        for table, rows in documented_columns().items()
        for column, why, kept in rows
        if "free text" in kept or "free_text_days" in kept or "(free text)" in why
    }
    not_swept = sorted(f"{t}.{c}" for t, c in promised - swept - TEXT_INSIDE)
    assert not not_swept, f"called free text but never removed: {', '.join(not_swept)}"
