"""The steward's API (review queue, actions, quality runs, /reports/) on both catalogs, and the steward
report rendered in a real browser (Debian's headless Chromium) with a screenshot."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from quality.checks import check_catalog
from repository.api import create_app
from tests.helpers import PID, bearer, seed_quality_catalog, token_for


@pytest.fixture
def steward(catalog_url: str, local_store, home):
    ids = seed_quality_catalog(catalog_url, local_store)
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
    # The blurred scan was read at 21%: approving it takes an explicit confirmation and a note.
    doubtful = client.post(f"/api/documents/{ids['blurred']}/approve", json={})
    assert doubtful.status_code == 409 and doubtful.json()["error"]["code"] == "confirmation_required"
    assert "độ tin cậy OCR thấp" in doubtful.json()["error"]["message"]
    no_note = client.post(f"/api/documents/{ids['blurred']}/approve", json={"confirm": True})
    assert no_note.status_code == 422 and no_note.json()["error"]["code"] == "note_required"
    approved = client.post(f"/api/documents/{ids['blurred']}/approve",
                           json={"confirm": True, "note": "đã đối chiếu bản giấy"})  # fmt: skip
    assert approved.json()["status"] == "approved"
    rejected = client.post(f"/api/documents/{ids['foreign']}/reject", json={"reason": "thẻ người khác"})
    assert rejected.json()["status"] == "rejected"
    assert client.post(f"/api/documents/{ids['foreign']}/approve", json={}).status_code == 409
    assert client.get("/api/review-queue").json()["total"] == 0

    history = client.get(f"/api/documents/{ids['blurred']}/review-history").json()["results"]
    assert [h["action"] for h in history] == ["correct", "approve"]
    assert history[0]["before"] == {"number": "12/2020", "issue_date": None}
    assert history[0]["after"] == {"number": "15/2020", "issue_date": "2020-05-04"}
    assert history[0]["note"] == "đọc từ bản giấy" and history[0]["actor"] == "lan"
    assert history[1]["after"]["confirmed_despite"] and history[1]["note"] == "đã đối chiếu bản giấy"
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
    # A way back to our reports; no newsletter or tutorial buttons leading out of the intranet.
    assert "Về Báo cáo chất lượng" in docs.text and "To continue exploring" not in docs.text
    assert client.get(runs[0]["report"]).status_code == 200
    for bad in ("/reports/../catalog.db", "/reports/steward/none.html", "/reports/data-docs"):
        assert client.get(bad).status_code == 404, bad
