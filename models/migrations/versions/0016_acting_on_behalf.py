"""who a cover acted for: an action marked done by the owner's cover, a re-audit submitted by
the moderator's cover, a TAC checkpoint held by the team manager's cover

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_COLUMNS = {
    "auditaction": "done_by_id",
    "reaudit": "on_behalf_of_id",
    "tacsupervision": "on_behalf_of_id",
}


def upgrade() -> None:
    for table, column in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_{table}_{column}_staff", "staff", [column], ["id"])


def downgrade() -> None:
    for table, column in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_{column}_staff", type_="foreignkey")
            batch.drop_column(column)
