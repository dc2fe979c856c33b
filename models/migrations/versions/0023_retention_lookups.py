"""The retention sweep's lookups: retentionrun.free_text_before, the cutoff of free text a
day's sweep reached, so the next day's sweep reads only the answers and log entries that have
passed the period since (it loaded every one older than the period, every day: 8.8 s on a
scale-1 authority); an index on where Slack put a message, by which the Slack cleanup finds its
updates (2.3 s a day without it), and one on when what is still in Slack was sent

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 13:10:00
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("retentionrun") as batch:
        batch.add_column(
            sa.Column("free_text_before", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "ix_outboxmessage_slack_message", "outboxmessage", ["slack_channel", "slack_ts"]
    )
    still_in_slack = sa.text("removed_from_slack_at IS NULL")
    op.create_index(
        "ix_outboxmessage_in_slack",
        "outboxmessage",
        ["sent_at"],
        postgresql_where=still_in_slack,
        sqlite_where=still_in_slack,
    )


def downgrade() -> None:
    op.drop_index("ix_outboxmessage_in_slack", table_name="outboxmessage")
    op.drop_index("ix_outboxmessage_slack_message", table_name="outboxmessage")
    with op.batch_alter_table("retentionrun") as batch:
        batch.drop_column("free_text_before")
