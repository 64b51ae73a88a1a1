"""The steward's API (review queue, actions, quality runs, /reports/) on both catalogs, and the steward
report rendered in a real browser (Debian's headless Chromium) with a screenshot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from quality.checks import check_catalog
from repository.api import create_app
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import CaseFile, Document, DocumentStatus, Owner, Page, ReviewReason
from tests.conftest import SCREENSHOTS, bearer, token_for

PID = "001190012345"
FIELDS = {
    "full_name": {"value": "Nguyễn Thị Hương", "confidence": 0.9, "page": 1, "line": 3},
    "date_of_birth": {"value": "1990-03-12", "confidence": 0.9, "page": 1, "line": 4},
    "number": {"value": "12/2020", "confidence": 0.9, "page": 1, "line": 2},
}


def seed(url: str, store) -> dict[str, str]:
    """A small catalog: one good birth certificate, one card of another person, one unreadable scan."""
    ids = {}
    with session_scope(url) as s:
        owner = Owner(kind="citizen", identifier=PID, name="Nguyễn Thị Hương")
        s.add(owner)
        s.flush()
        case = CaseFile(
            case_code="UBTX-1", procedure_code="HT.KETHON", agency_code="UBND.TX", owner_id=owner.id
        )
        s.add(case)
        s.flush()
        specs = [
            ("good", "birth_certificate", DocumentStatus.DIGITIZED, [], 94.0),
            ("foreign", "cccd", DocumentStatus.NEEDS_REVIEW, [ReviewReason.OWNER_MISMATCH], 91.0),
            ("blurred", None, DocumentStatus.NEEDS_REVIEW, [ReviewReason.LOW_CONFIDENCE], 21.0),
        ]
        for n, (name, type_code, status, reasons, confidence) in enumerate(specs):
            doc = Document(
                owner_id=owner.id, sha256=f"{n:064d}", original_key=f"originals/00/{n:064d}.png",
                doc_type_code=type_code, status=status, review_reasons=reasons, origin_case_id=case.id,
                procedure_code="HT.KETHON", fields=FIELDS,
                type_confidence=0.9 if type_code else 0.1, issue_date=date(2020, 5, 4),
                digitized_at=datetime.now(UTC) - timedelta(days=n * 4), mean_confidence=confidence,
            )  # fmt: skip
            s.add(doc)
            s.flush()
            s.add(
                Page(document_id=doc.id, number=1, method="ocr", confidence=confidence, text="GIẤY KHAI SINH")
            )
            store.put_bytes(doc.original_key, b"scan", "image/png")
            ids[name] = doc.id
    return ids


@pytest.fixture
def steward(catalog_url: str, local_store, home):
    ids = seed(catalog_url, local_store)
    check_catalog(store=local_store, database_url=catalog_url, raise_on_critical=False)
    steward = token_for("steward", "SO.TP", catalog_url, name="lan")
    return TestClient(create_app(catalog_url, local_store), headers=bearer(steward)), ids, catalog_url


def test_review_endpoints(steward) -> None:
    client, ids, _ = steward
    queue = client.get("/api/review-queue").json()
    assert queue["total"] == 2 and {e["document_id"] for e in queue["results"]} == {
        ids["foreign"],
        ids["blurred"],
    }
    assert queue["results"][0]["owner"]["identifier"] == "001*******45"
    only = client.get("/api/review-queue", params={"reason": "owner_mismatch"}).json()
    assert [e["document_id"] for e in only["results"]] == [ids["foreign"]]

    # Errors are JSON with a code and a Vietnamese message.
    missing = client.post("/api/documents/nope/approve", json={})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "document_not_found"
    wrong = client.post(f"/api/documents/{ids['blurred']}/corrections", json={"fields": {"tax_code": "1"}})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_value"

    fixed = client.post(
        f"/api/documents/{ids['blurred']}/corrections",
        json={
            "fields": {"number": "15/2020", "issue_date": "04/05/2020"},
            "note": "đọc từ bản giấy",
        },
    )
    assert fixed.status_code == 200 and fixed.json()["fields"]["issue_date"]["value"] == "2020-05-04"
    assert client.post(f"/api/documents/{ids['blurred']}/approve", json={}).json()["status"] == "approved"
    rejected = client.post(f"/api/documents/{ids['foreign']}/reject", json={"reason": "thẻ người khác"})
    assert rejected.json()["status"] == "rejected"
    assert client.post(f"/api/documents/{ids['foreign']}/approve", json={}).status_code == 409
    assert client.get("/api/review-queue").json()["total"] == 0

    history = client.get(f"/api/documents/{ids['blurred']}/review-history").json()["results"]
    assert [h["action"] for h in history] == ["correct", "approve"]
    assert history[0]["before"] == {"number": "12/2020", "issue_date": None}
    assert history[0]["after"] == {"number": "15/2020", "issue_date": "2020-05-04"}
    assert history[0]["note"] == "đọc từ bản giấy" and history[0]["actor"] == "lan"
    assert "/review-history" in str(client.get("/openapi.json").json()["paths"])


def test_quality_runs_and_reports(steward) -> None:
    client, ids, _ = steward
    runs = client.get("/api/quality/runs").json()["results"]
    assert runs[0]["scope"] == "catalog" and runs[0]["report"].startswith("/reports/steward/")
    failed = {c["name"] for c in runs[0]["checks"] if not c["success"]}
    assert {"owner_match", "page_confidence", "type_known"} <= failed
    index = client.get("/reports/")
    assert index.status_code == 200 and "latest.html" in index.text and "Data Docs" in index.text
    latest = client.get("/reports/steward/latest.html")
    assert latest.headers["content-type"].startswith("text/html") and "Báo cáo chất lượng" in latest.text
    assert PID not in latest.text
    docs = client.get("/reports/data-docs/index.html")
    assert docs.status_code == 200 and "sohoa_catalog" in docs.text
    assert client.get(runs[0]["report"]).status_code == 200
    for bad in ("/reports/../catalog.db", "/reports/steward/none.html", "/reports/data-docs"):
        assert client.get(bad).status_code == 404, bad


def test_report_renders_in_chromium(tmp_path, home, local_store, browser, live_server) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(url)
    seed(url, local_store)
    check_catalog(store=local_store, database_url=url, raise_on_critical=False)
    base = live_server(create_app(url, local_store))
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/login")  # stewards sign in once; the session cookie carries them to the report
    page.fill("input[name=token]", token_for("steward", "SO.TP", url))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")  # signed in: let the home page finish before leaving it
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    failed_requests: list[str] = []
    page.on("requestfailed", lambda r: failed_requests.append(r.url))
    response = page.goto(f"{base}/reports/steward/latest.html", wait_until="load")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Báo cáo chất lượng dữ liệu số hóa"
    assert page.locator("section svg").count() >= 6  # every chart drew
    assert page.get_by_text("Chủ sở hữu không khớp").count() >= 1
    width = page.evaluate("document.querySelector('section svg').getBoundingClientRect().width")
    assert width > 300
    assert problems == [] and failed_requests == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "steward-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    page.close()
