"""One catalog schema for SQLite and PostgreSQL, migrated with alembic."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from repository.catalog.db import get_engine, migrate, session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, Owner, Page


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("pg_url")


def _schema(url: str) -> dict[str, set[str]]:
    """The catalog's tables and columns. The full-text index is each engine's own structure (an FTS5
    table on SQLite, a GIN expression index on PostgreSQL) and is left out."""
    inspector = inspect(get_engine(url))
    return {
        t: {c["name"] for c in inspector.get_columns(t)}
        for t in inspector.get_table_names()
        if not t.startswith("page_search")
    }


def test_migrate_is_idempotent_and_complete(db_url: str) -> None:
    migrate(db_url)
    migrate(db_url)
    schema = _schema(db_url)
    assert {"owner", "case_file", "document", "page", "case_document", "batch", "batch_item"} <= set(schema)
    # A document carries the fields of a digitized record (DOMAIN.md), even where later stages fill them.
    assert {
        "result_code", "doc_type_code", "doc_type_name", "number", "issue_date", "issuer", "signer",
        "summary", "valid_until", "validity_permanent", "validity_scope", "kind", "origin_case_id",
        "procedure_code", "owner_id", "digitized_by", "digitized_at", "original_key", "searchable_key",
        "text_key", "mean_confidence",
    } <= schema["document"]  # fmt: skip


def test_same_schema_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(sqlite_url)
    migrate(pg_url)
    sqlite_schema, pg_schema = _schema(sqlite_url), _schema(pg_url)
    assert sqlite_schema == pg_schema


def test_rows_and_constraints(db_url: str) -> None:
    migrate(db_url)
    with session_scope(db_url) as s:
        owner = Owner(kind="citizen", identifier="001190012345", name="Nguyễn Thị Hương")
        s.add(owner)
        s.flush()
        case = CaseFile(case_code="UBTX-261002-00017", procedure_code="HT.KETHON", owner_id=owner.id)
        doc = Document(owner_id=owner.id, sha256="a" * 64, original_key="originals/aa/a.pdf",
                       issue_date=date(2026, 10, 2), summary="Giấy xác nhận tình trạng hôn nhân")  # fmt: skip
        s.add_all([case, doc])
        s.flush()
        s.add(CaseDocument(case_id=case.id, document_id=doc.id))
        s.add(Page(document_id=doc.id, number=1, method="ocr", confidence=93.5, text="Hồ sơ"))
    with session_scope(db_url) as s:
        doc = s.scalar(select(Document))
        assert doc.pages[0].text == "Hồ sơ"
        assert doc.issue_date == date(2026, 10, 2)
        owner_id = doc.owner_id
    # The same bytes for the same owner are one document.
    with pytest.raises(IntegrityError), session_scope(db_url) as s:
        s.add(Document(owner_id=owner_id, sha256="a" * 64, original_key="originals/aa/a.pdf"))
    # One identifier is one owner.
    with pytest.raises(IntegrityError), session_scope(db_url) as s:
        s.add(Owner(kind="citizen", identifier="001190012345"))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_upgrading_a_catalog_keeps_its_cases_received_on_their_day(engine: str, tmp_path, request) -> None:
    """Migration 0007 dates existing cases by when they were made (SQLite's CAST AS DATE keeps only
    the year: the migration must not use it there)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from repository.catalog.db import MIGRATIONS, get_engine

    url = f"sqlite:///{tmp_path / 'old.db'}" if engine == "sqlite" else request.getfixturevalue("pg_url")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def upgrade(revision: str) -> None:
        with get_engine(url).begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    upgrade("0006")
    with get_engine(url).begin() as c:
        c.execute(text("INSERT INTO owner (id, kind, identifier, created_at) "
                       "VALUES ('o1', 'citizen', '001190012345', '2026-11-05 10:00:00+00:00')"))  # fmt: skip
        c.execute(text("INSERT INTO case_file (id, case_code, procedure_code, owner_id, created_at) "
                       "VALUES ('c1', 'X', 'HT.KETHON', 'o1', '2026-11-05 10:00:00+00:00')"))  # fmt: skip
    upgrade("head")
    with get_engine(url).connect() as c:
        assert str(c.execute(text("SELECT received_on FROM case_file")).scalar()) == "2026-11-05"
