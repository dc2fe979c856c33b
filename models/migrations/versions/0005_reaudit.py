"""Re-audit and moderation: draws, moderated judgements, and actions added by moderators

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:16:17
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FK_ACTION_REAUDIT = "fk_auditaction_reaudit_id_reaudit"


def upgrade() -> None:
    op.create_table(
        "reauditround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("drawn_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "month"),
    )
    with op.batch_alter_table("reauditround", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reauditround_month"), ["month"], unique=False)

    op.create_table(
        "reaudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("chosen_because", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("draw_seed", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("actions_addressed", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reauditround.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "audit_id"),
    )
    with op.batch_alter_table("reaudit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reaudit_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reaudit_moderator_id"), ["moderator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reaudit_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reaudit_status"), ["status"], unique=False)

    op.create_table(
        "moderatedjudgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reaudit_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("original_grade", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("moderated_grade", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("moved", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reaudit_id"],
            ["reaudit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reaudit_id", "domain_id"),
    )
    with op.batch_alter_table("moderatedjudgement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderatedjudgement_reaudit_id"), ["reaudit_id"], unique=False
        )

    with op.batch_alter_table("auditaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reaudit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_auditaction_reaudit_id"), ["reaudit_id"], unique=False)
        batch_op.create_foreign_key(FK_ACTION_REAUDIT, "reaudit", ["reaudit_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("auditaction", schema=None) as batch_op:
        batch_op.drop_constraint(FK_ACTION_REAUDIT, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_auditaction_reaudit_id"))
        batch_op.drop_column("reaudit_id")

    with op.batch_alter_table("moderatedjudgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderatedjudgement_reaudit_id"))

    op.drop_table("moderatedjudgement")
    with op.batch_alter_table("reaudit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reaudit_status"))
        batch_op.drop_index(batch_op.f("ix_reaudit_round_id"))
        batch_op.drop_index(batch_op.f("ix_reaudit_moderator_id"))
        batch_op.drop_index(batch_op.f("ix_reaudit_audit_id"))

    op.drop_table("reaudit")
    with op.batch_alter_table("reauditround", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reauditround_month"))

    op.drop_table("reauditround")
