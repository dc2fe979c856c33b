"""Rows a scheduled job needs about many selections, read in a few queries instead of several
per item: the session's identity map then answers each `session.get` without asking the
database, as long as the caller keeps the returned list referenced."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from models import Case, Selection, Staff
from models.db import rows_by_id


def load_selections(
    session: Session, selection_ids: Iterable[int | None], *, people: Iterable[int | None] = ()
) -> list[object]:
    """The selections, their cases, managers and practitioners, and any other `people`."""
    selections = rows_by_id(session, Selection, selection_ids)
    cases = rows_by_id(session, Case, (selection.case_id for selection in selections.values()))
    staff = rows_by_id(
        session,
        Staff,
        [selection.manager_id for selection in selections.values()]
        + [case.worker_id for case in cases.values()]
        + list(people),
    )
    return [*selections.values(), *cases.values(), *staff.values()]
