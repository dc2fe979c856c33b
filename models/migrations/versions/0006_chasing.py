"""chasing with escalation, and the weekly team digests

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chaserun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ran_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "period"),
    )
    op.create_table(
        "chasenotice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient_id", "item_key", "day"),
    )
    with op.batch_alter_table("chasenotice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chasenotice_item_key"), ["item_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chasenotice_recipient_id"), ["recipient_id"], unique=False
        )
    op.create_table(
        "chasesnooze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chasesnooze", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chasesnooze_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chasesnooze", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chasesnooze_staff_id"))
    op.drop_table("chasesnooze")
    with op.batch_alter_table("chasenotice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chasenotice_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_chasenotice_item_key"))
    op.drop_table("chasenotice")
    op.drop_table("chaserun")
