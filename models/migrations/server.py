"""What the revisions ask of the database server. Kept unchanged once a revision uses it:
revisions are history."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def lz4_available(connection: Connection) -> bool:
    """PostgreSQL 14 or later built with lz4 (Debian's and the official images are); older or
    other servers keep pglz, and SQLite compresses nothing."""
    if connection.dialect.name != "postgresql":
        return False
    supported = connection.execute(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    ).scalar()
    return bool(supported)
