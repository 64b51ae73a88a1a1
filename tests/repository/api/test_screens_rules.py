"""The rules behind the screens a ward office uses without help: one way of writing dates, times and
numbers; refusals as pages for people and JSON for programs; a batch named by what happened to its
files; a case opened by mistake corrected or cancelled by the catalog's own rule."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from repository.api import create_app
from repository.catalog import cases
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import CaseDocument, CaseFile, LinkVia, Owner
from repository.errors import DomainError
from repository.intake import uploads
from repository.storage import LocalStore
from repository.web import formatting
from tests.helpers import CASE, PID, bearer, seed_catalog, sign_in, token_for


def test_one_way_of_writing_dates_times_and_numbers() -> None:
    # 14:26 UTC is 21:26 in Vietnam: every page says the latter.
    assert formatting.when(datetime(2026, 12, 6, 14, 26, tzinfo=UTC)) == "06/12/2026 21:26"
    assert formatting.when("2026-12-06T14:26:00+00:00") == "06/12/2026 21:26"
    assert formatting.when(datetime(2026, 12, 6, 14, 26)) == "06/12/2026 21:26"  # naive is UTC
    assert formatting.day(date(2019, 7, 14)) == "14/07/2019" == formatting.day("2019-07-14")
    assert formatting.day(datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == "01/01/2027"  # that day in Vietnam
    assert formatting.percent(0.529) == "52,9 %" and formatting.percent(None) == "—"
    assert formatting.number(1234567.5, 1) == "1.234.567,5" and formatting.month("2026-12") == "tháng 12/2026"


@pytest.fixture
def app(tmp_path: Path, home: Path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(url)
    store = LocalStore(tmp_path / "objects")
    ids = seed_catalog(url, store)
    return url, TestClient(create_app(url, store)), ids


def test_refusals_are_pages_for_people_and_json_for_programs(app) -> None:
    url, client, _ids = app
    token = token_for("officer", "UBND.NL", url)  # not the case's agency
    api = client.get(f"/api/owners/lookup-not-here?case={CASE}", headers=bearer(token))
    assert api.headers["content-type"].startswith("application/json")
    sign_in(client, token)
    page = client.get(f"/officer/cases/{CASE}")
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "không do cơ quan của bạn" in page.text and 'id="refusal-home"' in page.text
    assert '{"error"' not in page.text
    missing = client.get("/khong-co")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text and "<nav" in missing.text
    still_json = client.get(f"/api/documents/nope?case={CASE}")
    assert still_json.json()["error"]["code"]
    # A form post refused keeps the user's layout (their navigation), though its CSRF is in the form.
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/officer").text).group(1)
    posted = client.post(f"/officer/cases/{CASE}/cancel", data={"csrf": csrf, "reason": "mở nhầm mã"})
    assert posted.status_code == 403 and 'href="/officer"' in posted.text and "Đăng xuất" in posted.text


def test_a_batch_is_named_by_what_happened_to_its_files() -> None:
    refused = [{"status": "rejected", "done": True}]
    assert uploads.outcome("started", {"state": "success"}, refused, True)["code"] == "refused"
    assert "Không tệp nào" in uploads.outcome("started", {"state": "success"}, refused, True)["text"]
    mixed = [{"status": "digitized", "done": True}, {"status": "needs_review", "done": True}]
    assert uploads.outcome("started", {"state": "success"}, mixed, True) == {
        "code": "review", "text": "1 đã số hóa · 1 chờ cán bộ kiểm tra"
    }  # fmt: skip
    running = [{"status": "reading", "done": False}, {"status": "digitized", "done": True}]
    assert (
        uploads.outcome("started", {"state": "running"}, running, False)["text"]
        == "Đang số hóa: xong 1/2 tệp"
    )


def test_a_case_opened_by_mistake_is_corrected_or_cancelled_by_one_rule(app) -> None:
    url, _client, ids = app
    with session_scope(url) as s:
        typo = Owner(kind="citizen", identifier="001190012346", name=None)
        s.add(typo)
        s.flush()
        case = CaseFile(
            case_code="UBTX-1", procedure_code="HT.KETHON", agency_code="UBND.TX", owner_id=typo.id
        )
        s.add(case)
        s.flush()
        right = s.get(Owner, ids["owner"])
        assert cases.change_applicant(s, case, right) == []
        assert case.owner_id == right.id
        assert s.scalar(select(Owner).where(Owner.identifier == "001190012346")) is None  # forgotten
        with pytest.raises(DomainError) as no_reason:
            cases.cancel(s, case, "can.bo", " ")
        assert no_reason.value.code == "reason_required"
        # A case holding documents handed in under it is not the counter's to cancel.
        handed_in = s.scalar(select(CaseFile).where(CaseFile.case_code == CASE))
        assert s.scalar(select(CaseDocument).where(CaseDocument.case_id == handed_in.id)).via != LinkVia.REUSE
        with pytest.raises(DomainError) as kept:
            cases.cancel(s, handed_in, "can.bo", "mở nhầm mã hồ sơ")
        assert kept.value.code == "case_has_documents"
        cases.cancel(s, case, "can.bo", "mở nhầm mã hồ sơ")
        assert case.cancelled_by == "can.bo" and case.cancelled_at is not None
        assert s.get(Owner, ids["owner"]).identifier == PID  # Hương has documents: she stays
