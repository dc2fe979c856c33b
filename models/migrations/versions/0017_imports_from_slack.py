"""imports from Slack (a file checked, waiting for the administrator's Import button) and the
nightly export folder's daily run (issue 22, part 1)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "pendingimport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("filename", _TEXT(), nullable=False),
        sa.Column("slack_file_id", _TEXT(), nullable=False),
        sa.Column("sha256", _TEXT(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("checked_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["requested_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slack_file_id", "sha256"),
    )
    with op.batch_alter_table("pendingimport", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pendingimport_checked_at"), ["checked_at"], unique=False
        )
    op.create_table(
        "nightlyimportrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ran_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("folder_missing", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("nightlyimportrun")
    op.drop_table("pendingimport")
