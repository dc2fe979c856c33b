"""Bolton's practices (issue 25): the audit of a case file when its case moves team, and the
manager's reviews of an audit's actions a month after it and the month after, the yearly
audit of each team manager's supervision file, and observations of practitioners' practice

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 13:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "transferaudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_team_id", sa.Integer(), nullable=False),
        sa.Column("to_team_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("fit_for_purpose", sa.Boolean(), nullable=True),
        sa.Column("judgement", _TEXT(), nullable=True),
        sa.Column("justification", _TEXT(), nullable=True),
        sa.Column("completed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["from_team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["to_team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["auditor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["completed_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transferaudit") as batch:
        batch.create_index(batch.f("ix_transferaudit_case_id"), ["case_id"], unique=False)
        batch.create_index(batch.f("ix_transferaudit_auditor_id"), ["auditor_id"], unique=False)
        batch.create_index(batch.f("ix_transferaudit_due_on"), ["due_on"], unique=False)
        batch.create_index(batch.f("ix_transferaudit_status"), ["status"], unique=False)
    op.create_table(
        "actionreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("months_after", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("prompted_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["completed_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id", "months_after"),
    )
    with op.batch_alter_table("actionreview") as batch:
        batch.create_index(batch.f("ix_actionreview_audit_id"), ["audit_id"], unique=False)
        batch.create_index(batch.f("ix_actionreview_reviewer_id"), ["reviewer_id"], unique=False)
    op.create_table(
        "actionprogress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("progress", _TEXT(), nullable=False),
        sa.Column("note", _TEXT(), nullable=True),
        sa.Column("recorded_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["actionreview.id"]),
        sa.ForeignKeyConstraint(["action_id"], ["auditaction.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "action_id"),
    )
    with op.batch_alter_table("actionprogress") as batch:
        batch.create_index(batch.f("ix_actionprogress_review_id"), ["review_id"], unique=False)
        batch.create_index(batch.f("ix_actionprogress_action_id"), ["action_id"], unique=False)
    op.create_table(
        "supervisionfileaudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("grade", _TEXT(), nullable=True),
        sa.Column("justification", _TEXT(), nullable=True),
        sa.Column("actions", _TEXT(), nullable=True),
        sa.Column("completed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["supervisor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["auditor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["completed_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "supervisor_id"),
    )
    with op.batch_alter_table("supervisionfileaudit") as batch:
        batch.create_index(batch.f("ix_supervisionfileaudit_year"), ["year"], unique=False)
        batch.create_index(
            batch.f("ix_supervisionfileaudit_supervisor_id"), ["supervisor_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_supervisionfileaudit_auditor_id"), ["auditor_id"], unique=False
        )
    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("observer_id", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("note", _TEXT(), nullable=True),
        sa.Column("recorded_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["practitioner_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["observer_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("practitioner_id", "observed_on"),
    )
    with op.batch_alter_table("observation") as batch:
        batch.create_index(
            batch.f("ix_observation_practitioner_id"), ["practitioner_id"], unique=False
        )
        batch.create_index(batch.f("ix_observation_observer_id"), ["observer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("observation")
    op.drop_table("supervisionfileaudit")
    op.drop_table("actionprogress")
    op.drop_table("actionreview")
    op.drop_table("transferaudit")
