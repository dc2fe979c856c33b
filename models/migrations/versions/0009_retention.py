"""programme pauses, the retention sweep, and when a case closed

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23 18:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmepause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("paused_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("paused_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("programmepause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programmepause_month"), ["month"], unique=True)
    op.create_table(
        "retentionrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ran_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
    op.drop_table("retentionrun")
    with op.batch_alter_table("programmepause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programmepause_month"))
    op.drop_table("programmepause")
