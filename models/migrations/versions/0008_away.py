"""absences (away and cover) and extensions of audit due dates

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-23 18:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("starts_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_before", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cover_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("caught_up_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cover_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absence_ends_before"), ["ends_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_absence_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decider_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_due_on", sa.Date(), nullable=False),
        sa.Column("new_due_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("refusal_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decider_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["selection_id"], ["selection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("extension", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extension_selection_id"), ["selection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_extension_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extension_status"))
        batch_op.drop_index(batch_op.f("ix_extension_selection_id"))
    op.drop_table("extension")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absence_staff_id"))
        batch_op.drop_index(batch_op.f("ix_absence_ends_before"))
    op.drop_table("absence")
