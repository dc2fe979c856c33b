"""Retention clears message bodies from where the last sweep stopped: retentionrun.bodies_before
(every message created before it had finished and lost its body) and an index on when a message
was queued. The sweep scanned every finished message each day (232,000 rows, 0.12 s of a
scale-1 authority's busy day), to clear one day's more.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 15:40:00
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("retentionrun") as batch:
        batch.add_column(
            sa.Column("bodies_before", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_outboxmessage_created_at", "outboxmessage", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outboxmessage_created_at", table_name="outboxmessage")
    with op.batch_alter_table("retentionrun") as batch:
        batch.drop_column("bodies_before")
