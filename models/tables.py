"""The database tables. Case references only: no child's or family member's name is stored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.statuses import OutboxStatus, Priority, StaffStatus
from models.types import UTCDateTime

ROLES = ("practitioner", "team_manager", "service_manager", "head_of_service", "admin")
TEAM_TYPES = ("short_term", "long_term")


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    service_area: str
    team_type: str
    channel_id: str | None = None


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    name: str
    roles: str  # ';'-separated, in the order of ROLES
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="staff.id")
    slack_user_id: str | None = Field(default=None, index=True)
    # None: not looked up yet; "found" or "not_found" after users.lookupByEmail.
    slack_lookup: str | None = None
    slack_lookup_at: datetime | None = _utc(default=None)
    newly_qualified: bool = False
    status: str = StaffStatus.ACTIVE
    # When a leaver's work was handed over: their identity goes `retention.leaver_days` later.
    left_at: datetime | None = _utc(default=None)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(";") if r)

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def is_active(self) -> bool:
        return self.status == StaffStatus.ACTIVE


class Case(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_ref: str = Field(unique=True, index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    worker_id: int = Field(foreign_key="staff.id", index=True)
    case_type: str
    opened_on: date
    status: str
    tac_last_summary_on: date | None = None
    # Its latest recorded TAC checkpoint decision (newest recorded, then highest id), noted as
    # each checkpoint is recorded: the digests show it for every case due, and finding it
    # among all the decisions ranked each time cost PostgreSQL 100 ms a Monday at scale 1.
    tac_last_decision_id: int | None = None
    # The day an import first saw the case closed: the retention period runs from it (and
    # retention finds the closed cases past it by this index).
    closed_on: date | None = Field(default=None, index=True)


class SelectionRound(SQLModel, table=True):
    """One month's draw: its seed and the criteria used, so it can be explained and replayed."""

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(unique=True, index=True)
    seed: str
    drawn_at: datetime = _utc()
    drawn_by: str
    criteria: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class Selection(SQLModel, table=True):
    """A team manager's case for a month. A re-draw adds a row with the next attempt number."""

    __table_args__ = (UniqueConstraint("round_id", "manager_id", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="selectionround.id", index=True)
    manager_id: int = Field(foreign_key="staff.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    attempt: int = 1
    # selected | replaced | no_eligible_case
    status: str
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    pool_size: int
    draw_seed: str
    due_on: date | None = None
    replaced_reason: str | None = None
    replaced_by: str | None = None
    replaced_at: datetime | None = _utc(default=None, index=True)
    created_at: datetime = _utc()


STILL_IN_SLACK = "removed_from_slack_at IS NULL"
UPDATE_ROWS = "method = 'chat.update'"


class OutboxMessage(SQLModel, table=True):
    """A Slack write waiting to be sent; the idempotency key makes queueing it twice a no-op."""

    # The sender takes the pending rows most urgent first, oldest first (and any look-up by
    # status alone uses this index too).
    __table_args__ = (
        Index("ix_outboxmessage_due", "status", "priority", "id"),
        # Where Slack put a message: its updates are found by it (retention's Slack cleanup).
        Index("ix_outboxmessage_slack_message", "slack_channel", "slack_ts"),
        # By when it was queued: retention clears the bodies of one more day's messages.
        Index("ix_outboxmessage_created_at", "created_at"),
        # What is still in Slack, by when it was sent: the cleanup's daily look-up of old DMs.
        Index(
            "ix_outboxmessage_in_slack",
            "sent_at",
            postgresql_where=text(STILL_IN_SLACK),
            sqlite_where=text(STILL_IN_SLACK),
        ),
        # Updates by when they were sent: the cleanup keeps a message updated within the period
        # (PostgreSQL otherwise hashed every message's row to find the few recent updates).
        Index(
            "ix_outboxmessage_update_sent",
            "sent_at",
            postgresql_where=text(UPDATE_ROWS),
            sqlite_where=text(UPDATE_ROWS),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)
    method: str
    recipient_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    channel: str | None = None
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # What the message is about (e.g. "selection:12"): kept when delivery fails.
    concern: str
    status: str = Field(default=OutboxStatus.PENDING)
    priority: int = Field(default=Priority.ROUTINE, sa_column_kwargs={"server_default": "2"})
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_until: datetime | None = _utc(default=None)
    claimed_by: str | None = None
    last_error: str | None = None
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)
    slack_channel: str | None = None
    slack_ts: str | None = None
    # The files an upload put in Slack, so they can be deleted there after their period.
    slack_file_ids: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # When its removal from Slack was queued (bot/privacy/slack_cleanup.py): never twice, and
    # no update of it is sent afterwards.
    removed_from_slack_at: datetime | None = _utc(default=None)


class AuditLogEntry(SQLModel, table=True):
    """Who changed what, when."""

    # Whether something was done (a month's briefing sent, say) is looked up by action and
    # subject every tick: without this index each lookup reads the whole log.
    __table_args__ = (Index("ix_auditlogentry_action_subject", "action", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(index=True)
    actor: str
    action: str
    subject: str
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
