"""review queue and quality runs: review reasons, steward actions, quality run results

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document") as table:
        table.add_column(sa.Column("review_reasons", sa.JSON(), nullable=True))
    op.create_table(
        "review_action",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_review_action_document_id", "review_action", ["document_id"])
    op.create_table(
        "quality_run",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.String(36), sa.ForeignKey("batch.id"), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("critical_failures", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("report_key", sa.String(255), nullable=True),
    )
    op.create_index("ix_quality_run_batch_id", "quality_run", ["batch_id"])
    op.create_index("ix_quality_run_started_at", "quality_run", ["started_at"])


def downgrade() -> None:
    op.drop_table("quality_run")
    op.drop_table("review_action")
    with op.batch_alter_table("document") as table:
        table.drop_column("review_reasons")
