"""the cases-of-concern register: a head of service's review and closure of each concern

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 06:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concernreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("actions_taken", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["closed_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["reviewed_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id"),
    )
    with op.batch_alter_table("concernreview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concernreview_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    op.drop_table("concernreview")
