"""audit rounds: thematic audits, audit days and multi-auditor rounds

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auditround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("selection_on", sa.Date(), nullable=False),
        sa.Column("audit_on", sa.Date(), nullable=False),
        sa.Column("audit_until", sa.Date(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("selection_round_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["selection_round_id"],
            ["selectionround.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("selection_round_id"),
    )
    with op.batch_alter_table("auditround", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditround_name"), ["name"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_auditround_selection_on"), ["selection_on"], unique=False
        )

    op.create_table(
        "roundcase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("service_area", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attendance", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attendance_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("attendance_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["auditor_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["auditround.id"],
        ),
        sa.ForeignKeyConstraint(
            ["selection_id"],
            ["selection.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "case_id"),
        sa.UniqueConstraint("selection_id"),
    )
    with op.batch_alter_table("roundcase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roundcase_attendance"), ["attendance"], unique=False)
        batch_op.create_index(batch_op.f("ix_roundcase_auditor_id"), ["auditor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roundcase_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roundcase_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roundcase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roundcase_round_id"))
        batch_op.drop_index(batch_op.f("ix_roundcase_case_id"))
        batch_op.drop_index(batch_op.f("ix_roundcase_auditor_id"))
        batch_op.drop_index(batch_op.f("ix_roundcase_attendance"))

    op.drop_table("roundcase")
    with op.batch_alter_table("auditround", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditround_selection_on"))
        batch_op.drop_index(batch_op.f("ix_auditround_name"))

    op.drop_table("auditround")
