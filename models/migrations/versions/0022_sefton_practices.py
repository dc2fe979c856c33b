"""reserved for the Sefton practices of issue 25 (IRO feedback, supervision gap trigger, moderation)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 13:10:00
"""

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
