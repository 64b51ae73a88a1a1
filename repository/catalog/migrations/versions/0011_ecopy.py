"""ecopy: the signed electronic copies the repository issued; document.ecopy_id, the current one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ecopy",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("object_key", sa.String(255), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by", sa.String(128), nullable=True),
        sa.Column("certified", sa.String(64), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_ecopy_document_id", "ecopy", ["document_id"])
    with op.batch_alter_table("document") as table:
        table.add_column(sa.Column("ecopy_id", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as table:
        table.drop_column("ecopy_id")
    op.drop_index("ix_ecopy_document_id", "ecopy")
    op.drop_table("ecopy")
