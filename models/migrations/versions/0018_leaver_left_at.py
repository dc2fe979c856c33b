"""staff.left_at: when a leaver's work was handed over, so their identity can go after the
retention period for leavers (issue 24, part 2)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 10:30:00
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column("left_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("left_at")
