"""batch_item: the reason code beside the Vietnamese reason a file was turned away

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_item") as table:
        table.add_column(sa.Column("reason_code", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_item") as table:
        table.drop_column("reason_code")
