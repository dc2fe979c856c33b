"""Indexes for retention's look-ups of free text past its period, which read whole tables: the
audits and re-audits whose answers were last written since the last sweep, the selections'
replacement reasons, the bookings' and family contacts' notes. At scale 1 on SQLite the audits'
look-up went from 5.6 to 0.4 ms and the sweep from 33-37 to 28-32 ms.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 01:10:00
"""

from models.migrations.indexes import create_column_indexes, drop_column_indexes

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_updated_at", "audit", "updated_at"),
    ("ix_reaudit_updated_at", "reaudit", "updated_at"),
    ("ix_selection_replaced_at", "selection", "replaced_at"),
    ("ix_booking_created_at", "booking", "created_at"),
    ("ix_familyengagement_updated_at", "familyengagement", "updated_at"),
)


def upgrade() -> None:
    create_column_indexes(INDEXES)


def downgrade() -> None:
    drop_column_indexes(INDEXES)
