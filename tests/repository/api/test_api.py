"""The repository API on SQLite and PostgreSQL (local store) and the file endpoint on S3."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from repository.api import create_app
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import Document
from repository.storage import LocalStore
from tests.helpers import CASE, PID, bearer, seed_catalog, token_for


@pytest.fixture
def db_url(catalog_url: str) -> str:
    return catalog_url


@pytest.fixture
def api(db_url: str, tmp_path: Path):
    store = LocalStore(tmp_path / "objects")
    ids = seed_catalog(db_url, store)
    officer = bearer(token_for("officer", "UBND.TX", db_url))  # the agency handling the case
    return TestClient(create_app(db_url, store), headers=officer), ids


def test_owner_lookup_and_documents(api) -> None:
    client, ids = api
    body = {"owner_kind": "công dân", "owner_id": PID, "case": CASE}
    found = client.post("/api/owners/lookup", json=body).json()
    assert found["owner"] == ids["owner"] and PID not in str(found)
    listing = client.get(f"/api/owners/{ids['owner']}/documents", params={"case": CASE}).json()
    assert listing["total"] == 2 and {d["id"] for d in listing["results"]} == {ids["marital"], ids["card"]}
    marital = next(d for d in listing["results"] if d["id"] == ids["marital"])
    assert marital["provenance"] == {
        "case_code": "UBTX-261002-00017",
        "procedure_code": "HT.KETHON",
        "digitized_by": "văn thư A",
        "digitized_at": "2026-10-03T00:00:00+00:00",
    }
    assert marital["validity"]["valid_until"] == "2027-04-02" and marital["fields"]["number"]["value"]
    only = client.get(
        f"/api/owners/{ids['owner']}/documents",
        params={"type": "cccd", "status": "needs_review", "case": CASE},
    )
    assert [d["id"] for d in only.json()["results"]] == [ids["card"]]
    expired = client.get(
        f"/api/owners/{ids['owner']}/documents", params={"valid_on": "2028-01-01", "case": CASE}
    ).json()
    assert [d["id"] for d in expired["results"]] == [ids["card"]]
    paged = client.get(
        f"/api/owners/{ids['owner']}/documents", params={"page_size": 1, "page": 2, "case": CASE}
    ).json()
    assert len(paged["results"]) == 1 and paged["total"] == 2


def test_reuse_check_endpoint(api) -> None:
    client, ids = api
    body = {
        "owner_kind": "citizen",
        "owner_id": PID,
        "procedure": "HT.KETHON",
        "on": "2026-11-23",
        "case": CASE,
    }
    report = client.post("/api/reuse-check", json=body).json()
    assert report["need_not_bring"] == 1
    assert [(r["type"], r["satisfied"], r["reason"]) for r in report["results"]] == [
        ("cccd", False, "in_review"),
        ("marital_status_certificate", True, None),
    ]
    by_key = client.post(
        "/api/reuse-check", json={"owner": ids["owner"], "types": ["household_book"], "case": CASE}
    ).json()
    assert by_key["results"][0]["reason"] == "never_reusable"


def test_attach_is_a_link_recorded_with_who_and_when(api, db_url: str) -> None:
    client, ids = api
    # The new application's case opens once the applicant is identified (their number, in the body).
    opened = client.post(
        "/api/reuse-check",
        json={
            "owner_kind": "citizen",
            "owner_id": PID,
            "procedure": "HT.KETHON",
            "case": "UBTX-261201-00001",
        },
    )
    assert opened.status_code == 200
    body = {"document_id": ids["marital"], "attached_by": "cán bộ B"}
    first = client.post("/api/cases/UBTX-261201-00001/documents", json=body)
    assert first.status_code == 201 and first.json()["created"] and first.json()["attached_by"] == "cán bộ B"
    again = client.post("/api/cases/UBTX-261201-00001/documents", json=body).json()
    assert again["created"] is False
    detail = client.get(f"/api/documents/{ids['marital']}", params={"case": CASE}).json()
    assert detail["cases"] == ["UBTX-261002-00017", "UBTX-261201-00001"]
    with session_scope(db_url) as s:
        assert s.query(Document).count() == 3  # linked, not copied
    foreign = client.post(
        "/api/cases/UBTX-261201-00001/documents",
        json={"document_id": ids["foreign"], "attached_by": "cán bộ B"},
    )
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "case_owner_mismatch"


def test_files_stream_on_local_backend(api) -> None:
    client, ids = api
    text = client.get(f"/api/documents/{ids['marital']}/file", params={"rendition": "text", "case": CASE})
    assert text.status_code == 200 and text.content.decode() == "Giấy xác nhận tình trạng hôn nhân"
    original = client.get(
        f"/api/documents/{ids['marital']}/file", params={"rendition": "original", "case": CASE}
    )
    assert original.content == b"%PDF-1.7 original" and original.headers["content-type"] == "application/pdf"
    missing = client.get(
        f"/api/documents/{ids['card']}/file", params={"rendition": "searchable", "case": CASE}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "rendition_missing"


def test_errors_are_json_with_code_and_vietnamese_message(api) -> None:
    client, _ids = api
    bad_id = client.post("/api/owners/lookup", json={"owner_kind": "citizen", "owner_id": "123"})
    assert bad_id.status_code == 422 and bad_id.json()["error"]["code"] == "invalid_identifier"
    assert "12 chữ số" in bad_id.json()["error"]["message"]
    assert client.get("/api/documents/nope").json()["error"]["code"] == "document_not_found"
    assert client.post("/api/reuse-check", json={"owner": "x"}).json()["error"]["code"] == "no_requirements"
    unknown = client.post("/api/reuse-check", json={"owner": "x", "procedure": "NO.SUCH"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_procedure"
    invalid = client.get("/api/owners/x/documents", params={"page": 0})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"
    assert client.get("/openapi.json").json()["paths"]["/api/reuse-check"]


def test_presigned_url_on_s3(s3_store, tmp_path: Path) -> None:
    import urllib.request

    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(url)
    ids = seed_catalog(url, s3_store)
    client = TestClient(create_app(url, s3_store), headers=bearer(token_for("officer", "UBND.TX", url)))
    answer = client.get(
        f"/api/documents/{ids['marital']}/file", params={"rendition": "text", "case": CASE}
    ).json()
    assert answer["expires_in"] == 300 and "X-Amz-Expires=300" in answer["url"]
    with urllib.request.urlopen(answer["url"], timeout=10) as response:
        assert response.read().decode() == "Giấy xác nhận tình trạng hôn nhân"


def test_document_says_what_its_original_bears(api, db_url: str) -> None:
    """A page the OCR found sealed makes the digitized record say so; others say nothing."""
    from repository.catalog.models import Page

    client, ids = api
    with session_scope(db_url) as s:
        s.add_all(
            [
                Page(document_id=ids["marital"], number=11, method="ocr", confidence=95.0, text="",
                     facts={"seal": 1, "blue_ink": True}),
                Page(document_id=ids["marital"], number=12, method="ocr", confidence=0.0, text="",
                     facts={"blank": "no_text_lines"}),
                Page(document_id=ids["marital"], number=13, method="text", confidence=100.0, text=""),
            ]
        )  # fmt: skip
    detail = client.get(f"/api/documents/{ids['marital']}", params={"case": CASE}).json()
    assert detail["original_bears"] == {"seal_pages": [11], "pen_ink_pages": [11], "blank_pages": [12]}
    card = client.get(f"/api/documents/{ids['card']}", params={"case": CASE}).json()
    assert card["original_bears"] == {"seal_pages": [], "pen_ink_pages": [], "blank_pages": []}
