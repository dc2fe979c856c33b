"""What the revisions that add indexes share: a SQLite database given planner statistics
(models/db.py) gets the new indexes' too, or the next sweep's `PRAGMA optimize` spends ~90 ms
(at scale 1) gathering them. Kept unchanged once a revision uses it: revisions are history."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

# (name, table, column) of a single-column index
ColumnIndex = tuple[str, str, str]


def analyse_if_analysed(index_names: Iterable[str]) -> None:
    bind = op.get_bind()
    analysed = (
        bind.dialect.name == "sqlite"
        and bind.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
    )
    if analysed:
        for name in index_names:
            op.execute(f"ANALYZE {name}")


def create_column_indexes(indexes: Iterable[ColumnIndex]) -> None:
    indexes = list(indexes)
    for name, table, column in indexes:
        op.create_index(name, table, [column])
    analyse_if_analysed(name for name, _table, _column in indexes)


def drop_column_indexes(indexes: Iterable[ColumnIndex]) -> None:
    for name, table, _column in indexes:
        op.drop_index(name, table_name=table)
