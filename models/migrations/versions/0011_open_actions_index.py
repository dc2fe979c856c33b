"""an index for a manager's open actions, found by their audits

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 20:00:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_auditaction_audit_id_status", "auditaction", ["audit_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_auditaction_audit_id_status", table_name="auditaction")
