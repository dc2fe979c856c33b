"""the Halton practices of issue 25: auditor pairs on audit days (roundcase.partner_id), the
pair's judgement and the lead manager's quality assurance of it (roundjudgement), and the
day's strengths, weaknesses and recommendations (roundfindings), and poor practice conveyed to
the senior manager with a recommendation and a timescale (poorpractice)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 13:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _text(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, models.types.UTCDateTime(timezone=True), nullable=nullable)


def _staff(name: str, nullable: bool = True) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return sa.Column(name, sa.Integer(), nullable=nullable), sa.ForeignKeyConstraint(
        [name], ["staff.id"]
    )


def upgrade() -> None:
    with op.batch_alter_table("roundcase") as batch:
        batch.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_roundcase_partner_id_staff", "staff", ["partner_id"], ["id"])
    op.create_table(
        "roundjudgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("round_case_id", sa.Integer(), nullable=False),
        _text("stage"),
        *_staff("submitted_by_id", nullable=False),
        _when("submitted_at"),
        *_staff("agreed_by_id"),
        _when("agreed_at", nullable=True),
        *_staff("reviewer_id"),
        *_staff("reviewed_by_id"),
        _when("reviewed_at", nullable=True),
        _text("return_comment", nullable=True),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["round_case_id"], ["roundcase.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id"),
    )
    op.create_index("ix_roundjudgement_round_case_id", "roundjudgement", ["round_case_id"])
    op.create_index("ix_roundjudgement_stage", "roundjudgement", ["stage"])
    op.create_table(
        "roundfindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        _text("strengths"),
        _text("weaknesses"),
        _text("recommendations"),
        *_staff("recorded_by_id", nullable=False),
        _when("recorded_at"),
        sa.ForeignKeyConstraint(["round_id"], ["auditround.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
    )
    op.create_table(
        "poorpractice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_case_id", sa.Integer(), nullable=False),
        _text("recommendation"),
        sa.Column("due_on", sa.Date(), nullable=False),
        *_staff("reported_by_id", nullable=False),
        _when("reported_at"),
        *_staff("senior_manager_id", nullable=False),
        *_staff("acknowledged_by_id"),
        _when("acknowledged_at", nullable=True),
        sa.ForeignKeyConstraint(["round_case_id"], ["roundcase.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_case_id"),
    )
    op.create_index("ix_poorpractice_senior_manager_id", "poorpractice", ["senior_manager_id"])


def downgrade() -> None:
    op.drop_index("ix_poorpractice_senior_manager_id", table_name="poorpractice")
    op.drop_table("poorpractice")
    op.drop_table("roundfindings")
    op.drop_index("ix_roundjudgement_stage", table_name="roundjudgement")
    op.drop_index("ix_roundjudgement_round_case_id", table_name="roundjudgement")
    op.drop_table("roundjudgement")
    with op.batch_alter_table("roundcase") as batch:
        batch.drop_constraint("fk_roundcase_partner_id_staff", type_="foreignkey")
        batch.drop_column("partner_id")
