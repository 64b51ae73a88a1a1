"""Full-text search over page text, accent-insensitive ('ho so' finds 'hồ sơ'), ranked, with snippets.

PostgreSQL: to_tsvector over unaccented text with a GIN index (migration 0002). SQLite: an FTS5
table of text folded to ASCII, kept in step with the page rows by ``index_pages``. Both answer the
same shape; snippets are cut from the original text (the fold keeps positions), matches in <mark>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from ocr.understand import fold

SNIPPET_CHARS = 160
MATCH_CAP = 1000  # PostgreSQL ranks (and counts) at most this many matching pages per query


@dataclass
class Hit:
    document_id: str
    page: int
    rank: float
    snippet: str
    type: str | None
    owner: str


def terms(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", fold(query)) if t]


def index_pages(session: Session, document_id: str, pages: list[tuple[int, str]]) -> None:
    """Keep SQLite's FTS table in step with a document's pages (PostgreSQL indexes page.text itself)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(sql("DELETE FROM page_search WHERE document_id = :d"), {"d": document_id})
    for number, text in pages:
        session.execute(
            sql("INSERT INTO page_search (folded, document_id, page_number) VALUES (:f, :d, :n)"),
            {"f": fold(text), "d": document_id, "n": number},
        )


def search(
    session: Session,
    query: str,
    *,
    owner: str | None = None,
    type_code: str | None = None,
    limit: int = 20,
    offset: int = 0,
    current: bool = False,
) -> tuple[list[Hit], int]:
    """Ranked hits and how many pages match (on PostgreSQL counted up to MATCH_CAP). ``current``: only
    documents no newer version replaces (the counter shows one hit per certificate, not each version)."""
    words = terms(query)
    if not words:
        return [], 0
    params: dict = {"limit": limit, "offset": offset, "owner": owner, "type": type_code, "cap": MATCH_CAP}
    # Filters are written in only when asked for, so the planner can start from the owner's documents.
    filters = (
        ("AND d.owner_id = :owner " if owner else "")
        + ("AND d.doc_type_code = :type " if type_code else "")
        + ("AND NOT EXISTS (SELECT 1 FROM document n WHERE n.supersedes_id = d.id)" if current else "")
    )
    if session.get_bind().dialect.name == "sqlite":
        params["q"] = " ".join(f'"{w}"' for w in words)  # every word, as a phrase token: no FTS syntax
        base = f"""FROM page_search s JOIN document d ON d.id = s.document_id
                   JOIN page p ON p.document_id = s.document_id AND p.number = s.page_number
                   WHERE page_search MATCH :q {filters}"""
        # FTS5's bm25() cannot sit beside a window function: count in a query of its own.
        total = session.execute(sql(f"SELECT count(*) {base}"), params).scalar_one()
        rows = session.execute(
            sql(f"""SELECT s.document_id, s.page_number, -bm25(page_search) AS rank, p.text,
                          d.doc_type_code, d.owner_id, :total AS total
                   {base} ORDER BY rank DESC LIMIT :limit OFFSET :offset"""),
            params | {"total": total},
        ).all()
    else:
        params["q"] = " ".join(words)
        vector = "to_tsvector('simple', sohoa_unaccent(p.text))"
        # Ranking needs every candidate's vector: rank the first MATCH_CAP matches, not all of them,
        # so a query of common words over millions of pages stays fast.
        rows = session.execute(
            sql(f"""WITH m AS (
                        SELECT p.document_id, p.number, p.text, d.doc_type_code, d.owner_id, {vector} AS v
                        FROM page p JOIN document d ON d.id = p.document_id
                        WHERE {vector} @@ plainto_tsquery('simple', :q) {filters}
                        LIMIT :cap)
                    SELECT document_id, number, ts_rank(v, plainto_tsquery('simple', :q)) AS rank, text,
                           doc_type_code, owner_id, count(*) OVER () AS total
                    FROM m ORDER BY rank DESC, document_id, number LIMIT :limit OFFSET :offset"""),
            params,
        ).all()
    total = rows[0][6] if rows else 0
    hits = [Hit(r[0], r[1], round(float(r[2]), 4), snippet(r[3], words), r[4], r[5]) for r in rows]
    return hits, total


def snippet(text: str, words: list[str]) -> str:
    """A window of the original text around the first match, every match wrapped in <mark>."""
    folded = fold(text)
    spans = sorted(m.span() for w in words for m in re.finditer(rf"(?<!\w){re.escape(w)}(?!\w)", folded))
    if not spans:
        return text[:SNIPPET_CHARS]
    start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
    if start:  # begin at a word, not inside one
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space >= 0 else spans[0][0]
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = max(text.rfind(" ", spans[0][1], end), spans[0][1])
    pieces, cursor = [], start
    for a, b in spans:
        if a < cursor or b > end:
            continue
        pieces += [text[cursor:a], "<mark>", text[a:b], "</mark>"]
        cursor = b
    pieces.append(text[cursor:end])
    body = " ".join("".join(pieces).split())
    return ("… " if start else "") + body + (" …" if end < len(text) else "")
