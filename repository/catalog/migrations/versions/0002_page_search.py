"""page full-text search: FTS5 on SQLite, unaccent + GIN on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    """A frozen copy of ``ocr.text.fold`` as it was at this revision: a migration must give the same
    index whatever the application's folding becomes later."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base.lower() if base.isascii() else ch.lower())
    return "".join(out)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # The index holds page text folded to ASCII by the application (ocr.text.fold), so
        # 'ho so' finds 'hồ sơ' and 'dang ky' finds 'đăng ký' (SQLite's own folding keeps 'đ').
        op.execute(
            "CREATE VIRTUAL TABLE page_search USING fts5("
            "folded, document_id UNINDEXED, page_number UNINDEXED, tokenize = 'unicode61')"
        )
        rows = bind.execute(sa.text("SELECT document_id, number, text FROM page")).all()
        for document_id, number, text in rows:
            bind.execute(
                sa.text("INSERT INTO page_search (folded, document_id, page_number) VALUES (:f, :d, :n)"),
                {"f": _fold(text or ""), "d": document_id, "n": number},
            )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        # unaccent() is only STABLE (its dictionary could change); an index needs IMMUTABLE.
        op.execute(
            "CREATE OR REPLACE FUNCTION sohoa_unaccent(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
            "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
        )
        op.execute(
            "CREATE INDEX ix_page_search ON page USING gin (to_tsvector('simple', sohoa_unaccent(text)))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE page_search")
    else:
        op.execute("DROP INDEX ix_page_search")
        op.execute("DROP FUNCTION sohoa_unaccent(text)")
