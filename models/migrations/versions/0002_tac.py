"""TAC reflective case summary checkpoint

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tacsupervision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("started_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["manager_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["practitioner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tacsupervision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tacsupervision_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tacsupervision_practitioner_id"), ["practitioner_id"], unique=False
        )

    op.create_table(
        "tacdecision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("complete_by", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("trigger_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_summary_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["supervision_id"], ["tacsupervision.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supervision_id", "case_id"),
    )
    with op.batch_alter_table("tacdecision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tacdecision_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tacdecision_supervision_id"), ["supervision_id"], unique=False
        )

    op.create_table(
        "tactask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["tacdecision.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["practitioner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id"),
    )
    with op.batch_alter_table("tactask", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tactask_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tactask_practitioner_id"), ["practitioner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tactask_status"), ["status"], unique=False)

    op.create_table(
        "tacsummary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("listed_in_month", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["practitioner_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["tactask.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id"),
    )
    with op.batch_alter_table("tacsummary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tacsummary_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tacsummary_completed_on"), ["completed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tacsummary_listed_in_month"), ["listed_in_month"], unique=False
        )

    op.create_table(
        "tacschedulerun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ran_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "period"),
    )


def downgrade() -> None:
    op.drop_table("tacschedulerun")
    with op.batch_alter_table("tacsummary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tacsummary_listed_in_month"))
        batch_op.drop_index(batch_op.f("ix_tacsummary_completed_on"))
        batch_op.drop_index(batch_op.f("ix_tacsummary_case_id"))

    op.drop_table("tacsummary")
    with op.batch_alter_table("tactask", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tactask_status"))
        batch_op.drop_index(batch_op.f("ix_tactask_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_tactask_case_id"))

    op.drop_table("tactask")
    with op.batch_alter_table("tacdecision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tacdecision_supervision_id"))
        batch_op.drop_index(batch_op.f("ix_tacdecision_case_id"))

    op.drop_table("tacdecision")
    with op.batch_alter_table("tacsupervision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tacsupervision_practitioner_id"))
        batch_op.drop_index(batch_op.f("ix_tacsupervision_manager_id"))

    op.drop_table("tacsupervision")
