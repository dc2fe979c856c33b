"""SQLModel tables, the engine and sessions, and the Alembic migrations."""

from models.tables import (
    ROLES,
    TEAM_TYPES,
    AuditLogEntry,
    Case,
    OutboxMessage,
    Selection,
    SelectionRound,
    Staff,
    Team,
)

__all__ = [
    "ROLES",
    "TEAM_TYPES",
    "AuditLogEntry",
    "Case",
    "OutboxMessage",
    "Selection",
    "SelectionRound",
    "Staff",
    "Team",
]
