"""Regression tests for the second probe (issue 37): one per defect fixed, each failing on the code
before its fix. Bounded decodes (a page image of any shape, pages per file, a looping page tree) and
user strings kept as data (chart labels, spreadsheet cells)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import text

from ocr.pages import BadInput, PageLimits, open_source, pdf_page_png
from quality.indicators import to_xlsx
from quality.report import chart_counts
from repository.api import create_app
from repository.api.deps import SESSION_COOKIE
from repository.catalog.db import session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, DocumentStatus
from repository.security.access import csrf_token
from repository.storage import LocalStore
from tests.helpers import bearer, seed_catalog, serve_app, sign_in, token_for

LOOPING_PAGE_TREE = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture
def world(catalog_url: str, tmp_path: Path, home: Path):
    store = LocalStore(tmp_path / "objects")
    ids = seed_catalog(catalog_url, store)
    return create_app(catalog_url, store), ids, catalog_url


def _pdf(path: Path, sizes: list[tuple[float, float]]) -> Path:
    pdf = pdfium.PdfDocument.new()
    for width, height in sizes:
        pdf.new_page(width, height)
    pdf.save(str(path))
    pdf.close()
    return path


@pytest.mark.parametrize("size", [(36, 14400), (8, 14400), (14400, 36)])
def test_1_a_page_image_fits_a_box_whatever_the_page_shape(tmp_path: Path, size) -> None:
    """Item 1: a 36 x 14400 pt page rendered 1,100 px wide was 440,000 px high (470 MB)."""
    png = pdf_page_png(_pdf(tmp_path / "tall.pdf", [size]), 1, 1100)
    image = Image.open(io.BytesIO(png))
    assert image.width <= 1100 and image.height <= 2200, image.size


def test_2_chart_labels_are_data_not_mathtext() -> None:
    """Item 2: an agency code "$\\frac{$" made matplotlib raise, and every later report with it."""
    svg = chart_counts({"$\\frac{$": 3, "UBND.TX": 1}, "Số giấy tờ")
    assert "frac" in svg


def test_7_spreadsheet_cells_are_strings_never_formulas(tmp_path: Path) -> None:
    """Item 7: an agency "=HYPERLINK(...)" became a live formula in `sohoa kpi --xlsx`."""
    unit = {
        "digitization_rate": 0.5, "component_digitization_rate": 0.5, "result_ecopy_rate": 1.0,
        "reuse_rate": 0.0, "reuse_rate_all": 0.0, "documents_not_brought": 0,
        "counts": {"received": 2}, "digitization_days": {"median": 1, "p90": 2},
    }  # fmt: skip
    hostile = '=HYPERLINK("http://attacker.example","x")'
    result = {
        "overall": unit,
        "agencies": [{"agency": hostile} | unit],
        "procedures": [{"procedure": "+SUM(1,2)"} | unit],
        "fields": [{"field": "@cmd"} | unit],
    }
    path = tmp_path / "kpi.xlsx"
    to_xlsx(result, path)
    book = load_workbook(path)
    cells = {sheet.title: sheet.cell(2, 1) for sheet in book.worksheets}
    assert cells["Cơ quan"].value == hostile and cells["Cơ quan"].data_type == "s"
    assert all(cell.data_type == "s" for cell in cells.values())


def test_13_a_file_of_too_many_pages_is_turned_away_before_reading(tmp_path: Path) -> None:
    """Item 13: a 10,000-page PDF and a 3,000-frame TIFF were accepted (hours of OCR)."""
    limits = PageLimits(max_pages=5)
    pdf = _pdf(tmp_path / "many.pdf", [(200, 200)] * 6)
    with pytest.raises(BadInput) as refused:
        open_source(pdf, limits)
    assert refused.value.code == "too_many_pages" and "6 trang" in str(refused.value)
    frames = [Image.new("L", (20, 20), 255) for _ in range(6)]
    tiff = tmp_path / "many.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    with pytest.raises(BadInput) as refused:
        open_source(tiff, limits)
    assert refused.value.code == "too_many_pages"
    assert len(open_source(_pdf(tmp_path / "five.pdf", [(200, 200)] * 5), limits)) == 5


def test_14_a_page_tree_that_contains_itself_is_bad_input(tmp_path: Path) -> None:
    """Item 14: PDFium's error on a looping page tree was not bad input: retried as a fault."""
    path = tmp_path / "loop.pdf"
    path.write_bytes(LOOPING_PAGE_TREE)
    with pytest.raises(BadInput) as refused:
        open_source(path)
    assert refused.value.code == "corrupt_pdf" and "PDF hỏng" in str(refused.value)


def test_6_records_staff_file_only_under_their_own_agency(world) -> None:
    """Item 6: the upload's agency_code field filed new cases under any agency."""
    app, _ids, url = world
    clerk = TestClient(app, headers=bearer(token_for("records_staff", "UBND.NL", url)))
    upload = clerk.post("/api/uploads").json()["upload_id"]
    meta = {"case_code": "UBTX-261002-00017", "agency_code": "UBND.TX", "owner_kind": "citizen",
            "owner_id": "001190012345", "kind": "result"}  # fmt: skip
    sent = clerk.post(f"/api/uploads/{upload}/files", files={"file": ("kq.pdf", b"%PDF-1.4")}, data=meta)
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "agency_not_yours"
    assert "UBND.NL" in sent.json()["error"]["message"]
    homeless = TestClient(app, headers=bearer(token_for("records_staff", None, url)))
    upload = homeless.post("/api/uploads").json()["upload_id"]
    meta.pop("agency_code")
    sent = homeless.post(f"/api/uploads/{upload}/files", files={"file": ("kq.pdf", b"%PDF-1.4")}, data=meta)
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "agency_required"


def test_10_a_caller_without_an_agency_opens_no_case_without_one(world) -> None:
    """Item 10: an officer added without --agency read every case that has none (None == None)."""
    app, ids, url = world
    with session_scope(url) as s:
        case = CaseFile(case_code="KHONG-CQ-1", procedure_code="HT.KETHON", agency_code=None,
                        owner_id=ids["owner"])  # fmt: skip
        s.add(case)
        s.flush()
        s.add(CaseDocument(case_id=case.id, document_id=ids["marital"]))
    nobody = TestClient(app, headers=bearer(token_for("officer", None, url)))
    for path in (f"/api/documents/{ids['marital']}", f"/api/owners/{ids['owner']}/documents"):
        read = nobody.get(path, params={"case": "KHONG-CQ-1"})
        assert read.status_code == 403 and read.json()["error"]["code"] == "agency_required", path


def test_16_a_page_session_is_its_own_secret_ended_at_logout(world, monkeypatch) -> None:
    """Item 16: the cookie was the 90-day API token, still good after logout; login had no CSRF;
    the cookie was Secure only when the request itself was https."""
    app, _ids, url = world
    token = token_for("officer", "UBND.TX", url)
    forged = TestClient(app)
    refused = forged.post("/login", data={"token": token}, follow_redirects=False)  # no login CSRF
    assert refused.headers["location"] == "/login?error=csrf" and SESSION_COOKIE not in forged.cookies
    browser = TestClient(app)
    assert sign_in(browser, token, "/officer").status_code == 303
    cookie = browser.cookies[SESSION_COOKIE]
    assert cookie != token and browser.get("/officer", follow_redirects=False).status_code == 200
    # The session is not an API token, and the API token is not a session.
    assert TestClient(app, headers=bearer(cookie)).get("/api/uploads").status_code == 401
    api_as_cookie = TestClient(app, cookies={SESSION_COOKIE: token})
    assert api_as_cookie.get("/officer", follow_redirects=False).status_code == 303
    csrf = csrf_token(cookie)
    assert browser.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    replay = TestClient(app, cookies={SESSION_COOKIE: cookie})
    answer = replay.get("/officer", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    monkeypatch.setenv("SOHOA_SECURE_COOKIES", "1")
    # Behind a proxy that ends TLS, the app sees http: the deployment's setting makes cookies Secure.
    behind_proxy = TestClient(app)
    behind_proxy.get("/login")
    assert "secure" in behind_proxy.get("/login").headers["set-cookie"].lower()


def test_3_an_xlsx_that_inflates_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """Item 3: a 307 KB XLSX grew the server by 595 MB when openpyxl built it."""
    import tracemalloc
    import zipfile

    from openpyxl import Workbook

    from repository.intake.manifest import ManifestError, read_manifest

    good = tmp_path / "good.xlsx"
    book = Workbook()
    book.active.append(["file", "case_code", "procedure_code", "owner_kind", "owner_id"])
    book.active.append(["a.pdf", "UBTX-261002-00017", "HT.KETHON", "citizen", "001190012345"])
    book.save(good)
    assert len(read_manifest(good)) == 1
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.endswith("sheet1.xml"):
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 * 2**20))
            target.writestr(member, data, zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 200_000
    tracemalloc.start()
    with pytest.raises(ManifestError) as refused:
        read_manifest(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "giải nén" in str(refused.value) and "bomb.xlsx" in str(refused.value)
    assert peak < 8 * 2**20, peak


def test_4_a_page_content_stream_that_inflates_is_refused_at_intake(tmp_path: Path) -> None:
    """Item 4: a 21 KB PDF with a 20 MB Flate content stream kept pdfplumber busy 56 s a page."""
    import time
    import zlib

    from repository.intake.preflight import check_input

    data = zlib.compress(b"0 0 m 1 1 l S\n" * (20 * 2**20 // 14))
    path = tmp_path / "inflate.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
        b"4 0 obj << /Length " + str(len(data)).encode() + b" /Filter /FlateDecode >> stream\n"
        + data + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )  # fmt: skip
    assert path.stat().st_size < 64_000
    started = time.monotonic()
    with pytest.raises(BadInput) as refused:
        check_input(path)
    assert refused.value.code == "content_too_large" and "Trang 1" in str(refused.value)
    assert time.monotonic() - started < 5


def _audit_count(url: str) -> int:
    with session_scope(url) as s:
        return s.execute(text("SELECT count(*) FROM audit_event")).scalar()


def test_8_stewards_act_and_read_only_within_the_review_queue(world) -> None:
    """Item 8: a correction on any digitized document opened its desk; review-history was readable
    for any document and not audited."""
    app, ids, url = world
    steward = TestClient(app, headers=bearer(token_for("steward", None, url)))
    outside = ids["marital"]  # digitized, not waiting for anyone
    corrected = steward.post(f"/api/documents/{outside}/corrections", json={"fields": {"number": "1/X"}})
    assert corrected.status_code == 403 and corrected.json()["error"]["code"] == "not_in_queue"
    assert steward.get(f"/api/documents/{outside}/review-history").status_code == 403
    assert steward.get(f"/api/documents/{outside}").status_code == 403
    before = _audit_count(url)
    queued = steward.get(f"/api/documents/{ids['card']}/review-history")
    assert queued.status_code == 200 and _audit_count(url) == before + 1


def test_9_relink_sends_the_document_back_to_review_under_the_new_owner(world) -> None:
    """Item 9: relinking left the document digitized (reusable for the new owner at once) with a
    result code still carrying the old owner's identifier."""
    app, ids, url = world
    steward = TestClient(app, headers=bearer(token_for("steward", None, url)))
    with session_scope(url) as s:
        card = s.get(Document, ids["card"])
        card.review_reasons, card.result_code = ["owner_mismatch"], "001190012345.GT.CCCD.X.01"
    moved = steward.post(f"/api/documents/{ids['card']}/relink",
                         json={"owner_kind": "citizen", "owner_id": "079085004321"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    with session_scope(url) as s:
        card = s.get(Document, ids["card"])
        assert card.status == DocumentStatus.NEEDS_REVIEW
        assert card.result_code.startswith("079085004321.") and "001190012345" not in card.result_code


def test_15_a_document_whose_owner_is_in_doubt_is_not_served_through_that_owners_case(world) -> None:
    """Item 15: a document flagged owner_mismatch was readable through the wrong owner's case."""
    app, ids, url = world
    with session_scope(url) as s:
        s.get(Document, ids["card"]).review_reasons = ["owner_mismatch"]
        s.add(CaseDocument(case_id=s.get(Document, ids["card"]).origin_case_id, document_id=ids["card"]))
    officer = TestClient(app, headers=bearer(token_for("officer", "UBND.TX", url)))
    case = "UBTX-261002-00017"
    read = officer.get(f"/api/documents/{ids['card']}", params={"case": case})
    assert read.status_code == 403 and read.json()["error"]["code"] == "owner_in_doubt"
    listed = officer.get(f"/api/owners/{ids['owner']}/documents", params={"case": case}).json()["results"]
    assert ids["card"] not in {d["id"] for d in listed} and ids["marital"] in {d["id"] for d in listed}


@pytest.mark.parametrize("attempt", range(2))
def test_11_identical_idempotent_calls_at_once_all_succeed(world, attempt: int) -> None:
    """Item 11: on PostgreSQL, 8 identical calls at once answered 500 (UniqueViolation on the new
    owner or case row) to some of them."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    app, _ids, url = world
    token = token_for("officer", "UBND.TX", url)
    base, stop = serve_app(app)
    person = f"00119009{attempt}999"
    try:
        with httpx.Client(base_url=base, headers=bearer(token), timeout=60) as client:

            def register(n: int) -> int:
                body = {"case_code": f"UBTX-261206-{attempt}0001", "procedure_code": "HT.KETHON",
                        "owner_kind": "citizen", "owner_id": person}  # fmt: skip
                return client.post("/api/one-stop/cases", json=body).status_code

            def lookup(n: int) -> int:
                body = {
                    "owner_kind": "citizen",
                    "owner_id": "079085004321",
                    "case": f"UBTX-261206-{attempt}0002",
                }
                return client.post("/api/owners/lookup", json=body).status_code

            with ThreadPoolExecutor(8) as pool:
                registered = list(pool.map(register, range(8)))
                looked_up = list(pool.map(lookup, range(8)))
    finally:
        stop()
    assert set(registered) <= {200, 201} and set(looked_up) == {200}, (registered, looked_up)


def test_12_no_identifier_reaches_the_server_log(world) -> None:
    """Item 12: the tracebacks of those failures wrote full 12-digit IDs and names into the log
    (SQL parameters, PostgreSQL's DETAIL line)."""
    import logging
    import sys

    from sqlalchemy.exc import IntegrityError

    from repository.api.middleware import RedactIdentifiers
    from repository.catalog.models import Owner

    _app, _ids, url = world
    with pytest.raises(IntegrityError) as failed, session_scope(url) as s:
        s.add(Owner(kind="citizen", identifier="001190012345", name="Nguyễn Thị Hương"))
    assert "001190012345" not in str(failed.value).split("DETAIL")[0]  # no [parameters: ...]
    try:
        raise RuntimeError(
            "duplicate key\nDETAIL:  Key (kind, identifier)=(citizen, 001190012345) already exists."
        )
    except RuntimeError:
        record = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception for %s", ("079085004321",), sys.exc_info()
        )
    RedactIdentifiers().filter(record)
    line = logging.Formatter().format(record)
    assert "001190012345" not in line and "079085004321" not in line and "DETAIL" in line


def test_4_a_file_past_its_time_budget_is_turned_away_and_the_pool_recovers(tmp_path: Path) -> None:
    """Item 4 (the rest): there was no per-file time limit; a slow file held the reader for good."""
    import time

    from ocr.document import TooSlow, read_document
    from ocr.render import Line, render_page

    page = render_page([Line("Điều 1. Quyết định này có hiệu lực kể từ ngày ký.")] * 30, dpi=300)
    path = tmp_path / "two.tif"
    page.save(path, save_all=True, append_images=[page], dpi=(300, 300))
    started = time.monotonic()
    with pytest.raises(TooSlow) as slow:
        read_document(path, workers=2, limits=PageLimits(seconds_per_page=0.3))
    assert slow.value.code == "too_slow" and "quá lâu" in str(slow.value)
    assert time.monotonic() - started < 10
    assert len(read_document(path, workers=2).pages) == 2  # a fresh pool reads the next file
