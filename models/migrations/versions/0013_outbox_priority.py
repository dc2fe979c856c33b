"""outbox priority: safeguarding alerts first, then answers, then routine traffic

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="2"))
    op.create_index(
        "ix_outboxmessage_due", "outboxmessage", ["status", "priority", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_outboxmessage_due", table_name="outboxmessage")
    with op.batch_alter_table("outboxmessage") as batch:
        batch.drop_column("priority")
