"""When the database cannot be reached: recognise it, and tell the person to try again.

Every use case runs in one transaction, so an outage part-way through leaves nothing half
written; the person is told so and asked to try again. The engine reconnects by itself when
the database is back (PostgreSQL: `pool_pre_ping`; SQLite: a new connection opens the file).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from messages import render
from models.db import DatabaseFileGone

TRY_AGAIN_SHORTLY = (
    "Sorry, Auditbot can't reach its database just now, so nothing has been changed. "
    "Please try again shortly."
)


def is_database_outage(error: BaseException) -> bool:
    """The database is down, unreachable or dropped the connection, or its file has gone (not
    a bug in a query)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError | DatabaseFileGone):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def unavailable_answer(body: dict[str, Any]) -> dict[str, Any]:
    """What to answer a request Slack is still waiting on: a form keeps its values and shows
    the notice on its first input; a slash command gets it as an ephemeral message."""
    if body.get("type") == "view_submission":
        blocks = (body.get("view") or {}).get("blocks") or []
        first_input = next((b.get("block_id") for b in blocks if b.get("type") == "input"), None)
        if first_input:
            return {"response_action": "errors", "errors": {first_input: TRY_AGAIN_SHORTLY}}
        return {}
    return render("notice", text=TRY_AGAIN_SHORTLY, usage=None)
