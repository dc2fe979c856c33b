"""reserved for the Halton practices of issue 25 (auditor pairs, analysis QA, audit-day findings, poor practice)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 13:10:00
"""

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
