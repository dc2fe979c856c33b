"""an index to look up the audit log by action and subject

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 23:30:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_auditlogentry_action_subject", "auditlogentry", ["action", "subject"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_auditlogentry_action_subject", table_name="auditlogentry")
