"""cases as the one-stop system sees them: received, resolved, field; how each document came to a case

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as table:
        table.add_column(sa.Column("field", sa.String(128), nullable=True))  # lĩnh vực of the procedure
        table.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        table.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
        # Requirements of the procedure the repository could serve when the case was received.
        table.add_column(sa.Column("reusable_on_file", sa.Integer(), nullable=True))
    with op.batch_alter_table("case_document") as table:
        # submitted (handed in with the case), reuse (attached from the repository), result (its result)
        table.add_column(sa.Column("via", sa.String(16), nullable=True))
    # SQLite has no DATE type (CAST would keep the year alone): its date() reads the stored timestamp.
    day = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    op.execute(f"UPDATE case_file SET received_on = {day} WHERE received_on IS NULL")
    op.execute("UPDATE case_document SET via = 'result' WHERE role = 'result'")
    op.execute(
        "UPDATE case_document SET via = 'submitted' WHERE via IS NULL AND document_id IN "
        "(SELECT d.id FROM document d WHERE d.origin_case_id = case_document.case_id)"
    )
    op.execute("UPDATE case_document SET via = 'reuse' WHERE via IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("case_document") as table:
        table.drop_column("via")
    with op.batch_alter_table("case_file") as table:
        for column in ("reusable_on_file", "resolved_on", "received_on", "field"):
            table.drop_column(column)
