"""outboxmessage.slack_file_ids and removed_from_slack_at: the files an upload put in Slack, and
when the bot queued the removal of its own old DMs and files from Slack (issue 24, part 2)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:00:00
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("slack_file_ids", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "removed_from_slack_at", models.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.drop_column("removed_from_slack_at")
        batch.drop_column("slack_file_ids")
