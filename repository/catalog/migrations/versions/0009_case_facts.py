"""case_file: what its documents say, kept on the row (the service indicators read one table)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The columns start empty; ``repository.catalog.db.migrate`` fills them for existing cases after the
upgrade (the computation reads the procedures catalog, which a migration must not import).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (
    ("components", sa.Integer()),
    ("components_digitized", sa.Integer()),
    ("last_digitized_at", sa.DateTime(timezone=True)),
    ("ecopy", sa.Boolean()),
    ("reused_requirements", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("case_file") as table:
        for name, kind in COLUMNS:
            table.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_case_file_received_on", "case_file", ["received_on"])
    op.create_index("ix_case_file_resolved_on", "case_file", ["resolved_on"])
    unknown = sa.text("reusable_on_file IS NULL")
    op.create_index(
        "ix_case_file_on_file_unknown",
        "case_file",
        ["received_on"],
        postgresql_where=unknown,
        sqlite_where=unknown,
    )


def downgrade() -> None:
    op.drop_index("ix_case_file_on_file_unknown", "case_file")
    op.drop_index("ix_case_file_resolved_on", "case_file")
    op.drop_index("ix_case_file_received_on", "case_file")
    with op.batch_alter_table("case_file") as table:
        for name, _kind in COLUMNS:
            table.drop_column(name)
