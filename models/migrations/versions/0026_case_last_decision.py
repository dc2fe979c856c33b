"""Each case notes its latest recorded TAC checkpoint decision: the weekly digest and the Home
tab show it for every case due, and PostgreSQL found it by ranking all those cases' decisions
each time (29,000 at scale 1, ~100 ms)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case", sa.Column("tac_last_decision_id", sa.Integer(), nullable=True))
    # The newest recorded checkpoint's decision, the latest id breaking a tie, as read before.
    op.execute(
        """
        UPDATE "case" SET tac_last_decision_id = newest.decision_id
        FROM (
            SELECT decision_id, case_id FROM (
                SELECT tacdecision.id AS decision_id, tacdecision.case_id,
                       row_number() OVER (
                           PARTITION BY tacdecision.case_id
                           ORDER BY tacsupervision.recorded_at DESC, tacdecision.id DESC
                       ) AS newest_first
                FROM tacdecision
                JOIN tacsupervision ON tacsupervision.id = tacdecision.supervision_id
                WHERE tacsupervision.status = 'recorded'
            ) AS ranked
            WHERE newest_first = 1
        ) AS newest
        WHERE "case".id = newest.case_id
        """
    )


def downgrade() -> None:
    op.drop_column("case", "tac_last_decision_id")
