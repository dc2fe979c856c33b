"""the QA briefing a board reads: moderated overall judgements and panels, inadmissible
audits, engagement of the child and the parents apart, and of another auditor's discussion

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 07:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString

_COLUMNS = {
    "audit": [
        ("manager_engagement", _TEXT()),
        ("practitioner_engagement", _TEXT()),
        ("inadmissible_reason", _TEXT()),
        ("inadmissible_note", _TEXT()),
        ("inadmissible_by", sa.Integer()),
        ("inadmissible_at", models.types.UTCDateTime(timezone=True)),
    ],
    "reaudit": [
        ("panel", _TEXT()),
        ("overall_agreed", sa.Boolean()),
        ("overall_grade", _TEXT()),
        ("overall_reason", _TEXT()),
        ("overall_moved", _TEXT()),
    ],
    "familyengagement": [
        ("child_outcome", _TEXT()),
        ("child_reason", _TEXT()),
        ("parents_outcome", _TEXT()),
        ("parents_reason", _TEXT()),
    ],
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, kind in columns:
                batch.add_column(sa.Column(name, kind, nullable=True))
            if table == "audit":
                batch.create_foreign_key(
                    "fk_audit_inadmissible_by_staff", "staff", ["inadmissible_by"], ["id"]
                )


def downgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            if table == "audit":
                batch.drop_constraint("fk_audit_inadmissible_by_staff", type_="foreignkey")
            for name, _kind in reversed(columns):
                batch.drop_column(name)
