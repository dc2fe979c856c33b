"""Sefton's practices (issue 25): the IRO's or conference chair's feedback on an audit, and the
supervision-gap alert raised from one

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 13:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_MOMENT = models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "irofeedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("iro_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", _MOMENT(timezone=True), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("feedback", _TEXT(), nullable=True),
        sa.Column("grade_view", _TEXT(), nullable=True),
        sa.Column("given_at", _MOMENT(timezone=True), nullable=True),
        sa.Column("given_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["iro_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["given_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id"),
    )
    with op.batch_alter_table("irofeedback") as batch:
        batch.create_index(batch.f("ix_irofeedback_iro_id"), ["iro_id"], unique=False)
        batch.create_index(batch.f("ix_irofeedback_status"), ["status"], unique=False)
    op.create_table(
        "supervisiongapalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("gap_from", sa.Date(), nullable=False),
        sa.Column("gap_to", sa.Date(), nullable=False),
        sa.Column("reason", _TEXT(), nullable=False),
        sa.Column("action", _TEXT(), nullable=False),
        sa.Column("action_due", sa.Date(), nullable=False),
        sa.Column("raised_at", _MOMENT(timezone=True), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", _MOMENT(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id"),
    )
    with op.batch_alter_table("supervisiongapalert") as batch:
        batch.create_index(
            batch.f("ix_supervisiongapalert_action_due"), ["action_due"], unique=False
        )
        batch.create_index(batch.f("ix_supervisiongapalert_raised_at"), ["raised_at"], unique=False)


def downgrade() -> None:
    op.drop_table("supervisiongapalert")
    op.drop_table("irofeedback")
