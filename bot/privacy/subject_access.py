"""Subject access: all that Auditbot holds about one member of staff, as plain data for JSON.

Rows are found by one mechanism that reads the schema, so a new table cannot escape it:
- every row of every table with a column that names the person: a foreign key to their staff
  row, one of the columns that keep a person's email (PERSON_EMAIL_COLUMNS), or text (a
  message's body, a reason, an answer) holding their email, Slack id or full name;
- then, again and again until nothing is added, every row that refers (by a foreign key) to a
  row already found: the selections of their cases, the audits of those selections, the
  re-audits and alerts of those audits, and so on. Shared rows (teams, other staff, the draws
  of a month) are not followed, or the export would hold everyone's work;
- every audit-log entry they made, or whose subject is one of the rows found (`staff:ID`,
  `audit:ID`, ...): what others did about them.

Rows are exported whole (every column). Free text that the person did not write themselves
(another manager's justification, a reason typed by someone else, the words of a message sent
to them) is listed under "for_review": a subject-access response redacts third parties before
it is released. Case references appear as stored, since the person's own work names them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Table, cast, func, or_
from sqlalchemy import select as select_rows
from sqlmodel import Session, SQLModel, select

from bot.core import auditlog
from bot.core.errors import InvalidRequest
from bot.privacy.identity import PERSON_EMAIL_COLUMNS
from bot.privacy.retention import FREE_TEXT_COLUMNS, FREE_TEXT_KEYS
from models import AuditLogEntry, Staff

STAFF = "staff"
# Rows many people share: a row referring to one of them is not about the person for that.
SHARED = frozenset({STAFF, "team", "selectionround", "reauditround", "auditround"})
AUDIT_LOG = "auditlogentry"
# Columns of codes and keys, never a person's words: not searched for their name.
_CODES = frozenset({"status", "kind", "method", "idempotency_key", "concern", "sha256"})
# The audit log's subjects ("audit:12") by the table whose row they name.
SUBJECT_PREFIXES: dict[str, str] = {
    "action": "auditaction",
    "alert": "safeguardingalert",
    "audit": "audit",
    "booking": "booking",
    "extension": "extension",
    "reaudit": "reaudit",
    "round": "auditround",
    "round-case": "roundcase",
    "selection": "selection",
    "staff": STAFF,
    "tac-supervision": "tacsupervision",
    "tac-task": "tactask",
}
# Who wrote a free-text column: its writer's staff id column (or email column). Text in any
# other column, and in JSON answers and details, is someone's words: checked before release.
WRITERS: dict[tuple[str, str], str] = {
    ("audit", "answers"): "manager_id",
    ("audit", "inadmissible_note"): "inadmissible_by",
    ("auditaction", "done_note"): "done_by_id",
    ("concernreview", "actions_taken"): "reviewed_by",
    ("extension", "reason"): "requested_by_id",
    ("extension", "refusal_reason"): "decider_id",
    ("familyengagement", "reason"): "recorded_by",
    ("familyengagement", "summary"): "recorded_by",
    ("familyengagement", "child_reason"): "recorded_by",
    ("familyengagement", "parents_reason"): "recorded_by",
    ("reaudit", "answers"): "moderator_id",
    ("reaudit", "comment"): "moderator_id",
    ("reaudit", "overall_reason"): "moderator_id",
    ("safeguardingalert", "note"): "acknowledged_by",
    ("selection", "replaced_reason"): "replaced_by",
    (AUDIT_LOG, "details"): "actor",
    ("programmepause", "reason"): "paused_by",
}
FREE_TEXT = frozenset(
    {(text.model.__tablename__, column) for text in FREE_TEXT_COLUMNS for column in text.columns}
    | set(WRITERS)
    | {("outboxmessage", "payload"), ("booking", "place")}
)


class UnknownPerson(InvalidRequest):
    """No member of staff has this email."""


def export_person(session: Session, email: str, *, now: datetime, operator: str) -> dict[str, Any]:
    """Everything about the person with this email (case-insensitive); the export is logged
    with the operator who ran it."""
    person = session.exec(select(Staff).where(func.lower(Staff.email) == email.lower())).first()
    if person is None:
        raise UnknownPerson(f"no member of staff has the email {email!r}")
    found = _rows_about(session, person)
    tables = {name: [_exported(row) for row in found[name].values()] for name in sorted(found)}
    export: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "exported_by": operator,
        "person": _exported(_row_of(session, person)),
        "tables": tables,
        "for_review": _for_review(found, person),
    }
    auditlog.record(
        session, actor=operator, action="export.subject_access", subject=f"staff:{person.id}",
        now=now, email=person.email,
    )  # fmt: skip
    return export


def person_tables() -> dict[str, list[str]]:
    """Each table that names a person directly, with the columns that do."""
    named: dict[str, list[str]] = defaultdict(list)
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if _refers_to(column, STAFF) or column.name in PERSON_EMAIL_COLUMNS.get(table.name, ()):
                named[table.name].append(column.name)
    return dict(named)


# --- Finding the rows ----------------------------------------------------------------------------


def _rows_about(session: Session, person: Staff) -> dict[str, dict[int, dict[str, Any]]]:
    """Table name → row id → row, for every row about the person."""
    found: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in (STAFF, AUDIT_LOG)]
    for table in tables:
        condition = _names_person(table, person)
        if condition is not None:
            _add(found, table, _select(session, table, condition))
    _add(found, Staff.__table__, _select(session, Staff.__table__, _own_staff_rows(person)))
    _follow_references(session, tables, found)
    _add(found, AuditLogEntry.__table__, _log_entries(session, person, found))
    return {name: rows for name, rows in found.items() if rows}


def _names_person(table: Table, person: Staff) -> Any:
    conditions = [column == person.id for column in table.columns if _refers_to(column, STAFF)]
    conditions += [
        func.lower(table.columns[name]) == person.email.lower()
        for name in PERSON_EMAIL_COLUMNS.get(table.name, ())
    ]
    conditions += [
        func.lower(cast(column, String)).contains(word, autoescape=True)
        for column in table.columns
        if isinstance(column.type, String | JSON) and column.name not in _CODES
        for word in _mentions(person)
    ]
    return or_(*conditions) if conditions else None


def _mentions(person: Staff) -> set[str]:
    """How text names the person: their email, Slack id (a mention) and full name, also as
    JSON writes it (non-ASCII letters escaped), in lower case."""
    words = {person.email, person.name, json.dumps(person.name)[1:-1]}
    if person.slack_user_id:
        words.add(person.slack_user_id)
    return {word.lower() for word in words if len(word) >= 5}


def _own_staff_rows(person: Staff) -> Any:
    """Their own staff row and their line manager's (whom the export names), not their reports'."""
    staff = Staff.__table__.columns
    return staff.id.in_([person.id, person.manager_id or person.id])


def _follow_references(
    session: Session, tables: list[Table], found: dict[str, dict[int, dict[str, Any]]]
) -> None:
    """Add the rows that refer to rows found, until a pass adds nothing."""
    while True:
        before = sum(len(rows) for rows in found.values())
        for table in tables:
            conditions = [
                column.in_(list(found[target]))
                for column in table.columns
                for target in _targets(column)
                if target not in SHARED and found.get(target)
            ]
            if conditions:
                _add(found, table, _select(session, table, or_(*conditions)))
        if sum(len(rows) for rows in found.values()) == before:
            return


def _log_entries(
    session: Session, person: Staff, found: dict[str, dict[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    log = AuditLogEntry.__table__.columns
    subjects = [
        f"{prefix}:{row_id}"
        for prefix, table in SUBJECT_PREFIXES.items()
        for row_id in found.get(table, {})
        if table != STAFF or row_id == person.id
    ]
    by_or_naming_them = _names_person(AuditLogEntry.__table__, person)
    return _select(
        session, AuditLogEntry.__table__, or_(by_or_naming_them, log.subject.in_(subjects))
    )


def _select(session: Session, table: Table, condition: Any) -> list[dict[str, Any]]:
    rows = session.execute(select_rows(table).where(condition).order_by(*_key_columns(table)))
    return [dict(row._mapping) for row in rows]


def _add(found: dict[str, dict[Any, dict[str, Any]]], table: Table, rows: Iterable[dict]) -> None:
    [key] = _key_columns(table)  # every table has a one-column primary key
    for row in rows:
        found[table.name].setdefault(row[key.name], row)


def _key_columns(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def _refers_to(column: Any, table_name: str) -> bool:
    return table_name in _targets(column)


def _targets(column: Any) -> list[str]:
    return [key.column.table.name for key in column.foreign_keys]


def _row_of(session: Session, person: Staff) -> dict[str, Any]:
    return _select(session, Staff.__table__, Staff.__table__.c.id == person.id)[0]


# --- Writing them out ----------------------------------------------------------------------------


def _exported(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in row.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"[{len(value)} bytes of an uploaded file]"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _for_review(found: dict[str, dict[int, dict[str, Any]]], person: Staff) -> list[dict]:
    """Each free-text value in the export that the person did not write themselves."""
    review = []
    for table, rows in sorted(found.items()):
        for row_id, row in rows.items():
            for column, value in row.items():
                if (
                    (table, column) in FREE_TEXT
                    and _has_text(value, column)
                    and not _written_by(person, table, column, row)
                ):
                    review.append({"table": table, "id": row_id, "column": column, "why": _WHY})
    return review


_WHY = "someone else's words, or words that may name others: check before release"


def _has_text(value: Any, column: str) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict | list):
        return _json_has_text(value) if column != "payload" else bool(value)
    return False


def _json_has_text(value: Any) -> bool:
    if isinstance(value, dict):
        return any(
            (key in FREE_TEXT_KEYS and isinstance(item, str) and item.strip())
            or _json_has_text(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_json_has_text(item) for item in value)
    return False


def _written_by(person: Staff, table: str, column: str, row: dict[str, Any]) -> bool:
    writer_column = WRITERS.get((table, column))
    if writer_column is None:
        return False
    writer = row.get(writer_column)
    if isinstance(writer, str):
        return writer.lower() == person.email.lower()
    return writer == person.id
