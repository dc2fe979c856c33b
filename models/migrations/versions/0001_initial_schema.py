"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:15:31.466680
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auditlogentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditlogentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditlogentry_at"), ["at"], unique=False)

    op.create_table(
        "selectionround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("drawn_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("selectionround", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_selectionround_month"), ["month"], unique=True)

    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("service_area", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("team_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_name"), ["name"], unique=True)

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("roles", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("slack_user_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("slack_lookup", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("slack_lookup_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("newly_qualified", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_email"), ["email"], unique=True)
        batch_op.create_index(batch_op.f("ix_staff_slack_user_id"), ["slack_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_team_id"), ["team_id"], unique=False)

    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("case_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tac_last_summary_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_case_ref"), ["case_ref"], unique=True)
        batch_op.create_index(batch_op.f("ix_case_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recipient_staff_id", sa.Integer(), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("concern", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("slack_channel", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("slack_ts", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outboxmessage_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outboxmessage_status"), ["status"], unique=False)

    op.create_table(
        "selection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("draw_seed", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("replaced_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("replaced_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("replaced_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["selectionround.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "manager_id", "attempt"),
    )
    with op.batch_alter_table("selection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_selection_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_selection_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_selection_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("selection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_selection_round_id"))
        batch_op.drop_index(batch_op.f("ix_selection_manager_id"))
        batch_op.drop_index(batch_op.f("ix_selection_case_id"))

    op.drop_table("selection")
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboxmessage_status"))
        batch_op.drop_index(batch_op.f("ix_outboxmessage_next_attempt_at"))

    op.drop_table("outboxmessage")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_worker_id"))
        batch_op.drop_index(batch_op.f("ix_case_team_id"))
        batch_op.drop_index(batch_op.f("ix_case_case_ref"))

    op.drop_table("case")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_team_id"))
        batch_op.drop_index(batch_op.f("ix_staff_slack_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_email"))

    op.drop_table("staff")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_name"))

    op.drop_table("team")
    with op.batch_alter_table("selectionround", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_selectionround_month"))

    op.drop_table("selectionround")
    with op.batch_alter_table("auditlogentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditlogentry_at"))

    op.drop_table("auditlogentry")
