"""intake: quarantine key and pages found for each batch item

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_item") as table:
        table.add_column(sa.Column("quarantine_key", sa.String(255), nullable=True))
        table.add_column(sa.Column("page_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_item") as table:
        table.drop_column("page_count")
        table.drop_column("quarantine_key")
