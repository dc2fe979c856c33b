"""the App Home tab: who has opened it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 18:30:00
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hometabviewer",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("first_opened_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_opened_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("staff_id"),
    )


def downgrade() -> None:
    op.drop_table("hometabviewer")
