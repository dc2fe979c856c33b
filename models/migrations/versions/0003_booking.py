"""Practitioner discussion bookings and family engagement

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("booked_by", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_view_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("practitioner_reply", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("practitioner_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("closed_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("closed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booked_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["selection_id"], ["selection.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_view_id"),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_selection_id"), ["selection_id"])
        batch_op.create_index(batch_op.f("ix_booking_starts_at"), ["starts_at"])
        batch_op.create_index(batch_op.f("ix_booking_status"), ["status"])

    op.create_table(
        "familyengagement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["selection_id"], ["selection.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("selection_id"),
    )


def downgrade() -> None:
    op.drop_table("familyengagement")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_status"))
        batch_op.drop_index(batch_op.f("ix_booking_starts_at"))
        batch_op.drop_index(batch_op.f("ix_booking_selection_id"))
    op.drop_table("booking")
