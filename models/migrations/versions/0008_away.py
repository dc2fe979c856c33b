"""absences: away and cover

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-23 18:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0008"
down_revision = "0006"
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


def downgrade() -> None:
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absence_staff_id"))
        batch_op.drop_index(batch_op.f("ix_absence_ends_before"))
    op.drop_table("absence")
