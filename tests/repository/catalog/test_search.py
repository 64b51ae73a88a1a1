"""Accent-insensitive, ranked full-text search with snippets, on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from repository.api import create_app
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import CaseFile, Document, Owner, Page
from repository.catalog.search import index_pages, search, snippet
from tests.helpers import bearer, token_for

PAGES = {
    "a": [(1, "Danh mục hồ sơ kèm theo Quyết định số 1520/QĐ-UBND. Hồ sơ gồm tờ khai và bản sao.")],
    "b": [
        (1, "Giấy này được cấp để làm thủ tục đăng ký kết hôn."),
        (2, "Hồ sơ đăng ký tại phường Thanh Xuân."),
    ],
    "c": [(1, "Giấy phép xây dựng nhà ở riêng lẻ, diện tích sàn 320 m².")],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'c.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    migrate(url)
    ids = {}
    with session_scope(url) as s:
        owners = [Owner(kind="citizen", identifier=f"00119001234{i}") for i in range(2)]
        s.add_all(owners)
        s.flush()
        for n, (name, pages) in enumerate(PAGES.items()):
            doc = Document(
                owner_id=owners[name == "c"].id,
                sha256=f"{n:064d}",
                original_key=f"originals/00/{n}.pdf",
                doc_type_code={
                    "a": "decision",
                    "b": "marital_status_certificate",
                    "c": "construction_permit",
                }[name],
            )
            s.add(doc)
            s.flush()
            s.add_all(
                Page(document_id=doc.id, number=p, method="ocr", confidence=90, text=t) for p, t in pages
            )
            index_pages(s, doc.id, pages)
            ids[name] = doc.id
        ids["owner0"], ids["owner1"] = owners[0].id, owners[1].id
    return url, ids


def test_accent_insensitive_and_ranked(db) -> None:
    url, ids = db
    with session_scope(url) as s:
        hits, total = search(s, "ho so")
        assert total == 2
        assert hits[0].document_id == ids["a"]  # 'hồ sơ' twice on that page: ranked first
        assert "<mark>hồ</mark> <mark>sơ</mark>" in hits[0].snippet
        hits, _ = search(s, "dang ky ket hon")  # 'đ' folds to 'd' too
        assert [(h.document_id, h.page) for h in hits] == [(ids["b"], 1)]
        hits, _ = search(s, "Đăng Ký")  # accents and case in the query are fine as well
        assert {(h.document_id, h.page) for h in hits} == {(ids["b"], 1), (ids["b"], 2)}
        assert search(s, "xay dung")[1] == 1
        assert search(s, "khong co tu nay")[1] == 0
        assert search(s, '" OR *')[1] == 0  # FTS syntax in the query is taken as words


def test_filters_and_api(db) -> None:
    url, ids = db
    with session_scope(url) as s:
        assert search(s, "ho so", owner=ids["owner1"])[1] == 0
        assert search(s, "ho so", type_code="marital_status_certificate")[0][0].page == 2
        s.add(
            CaseFile(
                case_code="UBTX-1", procedure_code="HT.KETHON", agency_code="UBND.TX", owner_id=ids["owner0"]
            )
        )
    client = TestClient(create_app(url), headers=bearer(token_for("officer", "UBND.TX", url)))
    # Officers search within the owner of the case they handle.
    body = client.get("/api/search", params={"q": "hồ sơ", "case": "UBTX-1", "page_size": 1}).json()
    assert body["total"] == 2 and len(body["results"]) == 1 and body["results"][0]["snippet"]
    assert client.get("/api/search", params={"case": "UBTX-1"}).status_code == 422
    other = client.get("/api/search", params={"q": "hồ sơ", "case": "UBTX-1", "owner": ids["owner1"]})
    assert other.status_code == 403 and other.json()["error"]["code"] == "case_owner_mismatch"


def test_snippet_window() -> None:
    text = "Mở đầu. " + "chữ " * 80 + "Nơi cư trú: số 15 ngõ 72 phố Nguyễn Trãi. " + "đuôi " * 80
    cut = snippet(text, ["nguyen", "trai"])
    assert cut.startswith("… ") and cut.endswith(" …")
    assert "<mark>Nguyễn</mark> <mark>Trãi</mark>" in cut and len(cut) < 220


def test_postgresql_ranks_a_bounded_number_of_matches(db, monkeypatch: pytest.MonkeyPatch) -> None:
    import repository.catalog.search as module

    url, _ids = db
    monkeypatch.setattr(module, "MATCH_CAP", 1)
    with session_scope(url) as s:
        hits, total = search(s, "ho so")
    # PostgreSQL ranks and counts at most MATCH_CAP matches; SQLite (embedded, small) counts them all.
    assert (len(hits), total) == ((1, 1) if url.startswith("postgresql") else (2, 2))
