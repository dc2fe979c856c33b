"""guided audit, actions and safeguarding alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:08:12.981931
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("framework", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("overall", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("concern", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["selection_id"],
            ["selection.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("selection_id"),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_concern"), ["concern"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_status"), ["status"], unique=False)

    op.create_table(
        "auditaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("done_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("done_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditaction_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditaction_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditaction_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditaction_status"), ["status"], unique=False)

    op.create_table(
        "safeguardingalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("raised_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id"),
    )


def downgrade() -> None:
    op.drop_table("safeguardingalert")
    with op.batch_alter_table("auditaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditaction_status"))
        batch_op.drop_index(batch_op.f("ix_auditaction_owner_id"))
        batch_op.drop_index(batch_op.f("ix_auditaction_due_on"))
        batch_op.drop_index(batch_op.f("ix_auditaction_audit_id"))

    op.drop_table("auditaction")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_status"))
        batch_op.drop_index(batch_op.f("ix_audit_manager_id"))
        batch_op.drop_index(batch_op.f("ix_audit_concern"))

    op.drop_table("audit")
