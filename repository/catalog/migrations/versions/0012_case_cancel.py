"""case_file.cancelled_at / cancelled_by / cancel_reason: a case opened by mistake at the counter

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as table:
        table.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("cancelled_by", sa.String(128), nullable=True))
        table.add_column(sa.Column("cancel_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_file") as table:
        table.drop_column("cancel_reason")
        table.drop_column("cancelled_by")
        table.drop_column("cancelled_at")
