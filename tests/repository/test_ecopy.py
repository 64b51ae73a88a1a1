"""The e-copy with legal value: signed by the copying agency (PAdES, pyHanko), "SAO Y" block and QR
on page 1, made once and kept; verified by pyHanko's validator and our own rules (the bytes issued,
still current, the document's status today)."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient

from ocr.document import read_document
from ocr.render import Line, render_page
from repository.api import create_app
from repository.catalog.db import read_scope, session_scope
from repository.catalog.models import Document, DocumentStatus
from repository.pipeline import ecopy
from repository.security.signing import make_test_certificate
from repository.storage import LocalStore
from tests.helpers import CASE, PID, bearer, seed_catalog, token_for

SOHOA = str(Path(sys.executable).with_name("sohoa"))


@pytest.fixture
def world(catalog_url: str, tmp_path: Path, home: Path):
    store = LocalStore(tmp_path / "objects")
    ids = seed_catalog(catalog_url, store)
    page = render_page(
        [Line("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "center", "bold"),
         Line("Số: 215/XNTTHN"), Line("Bà Nguyễn Thị Hương hiện chưa đăng ký kết hôn với ai.")] * 4,
        dpi=300, mode="RGB",
    )  # fmt: skip
    scan = tmp_path / "scan.png"
    page.save(scan, dpi=(300, 300))
    reading = read_document(scan, tmp_path / "work", workers=1)
    store.put_file("documents/d/searchable.pdf", reading.searchable_pdf, "application/pdf")
    make_test_certificate("UBND.TX", "UBND phường Thanh Xuân")
    app = create_app(catalog_url, store)
    officer = TestClient(app, headers=bearer(token_for("officer", "UBND.TX", catalog_url)))
    return app, ids, catalog_url, store, officer


def _download(officer: TestClient, document_id: str) -> bytes:
    answer = officer.get(f"/api/documents/{document_id}/file", params={"rendition": "ecopy", "case": CASE})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert (
        'filename="ban-sao-dien-tu-giay-xac-nhan-tinh-trang-hon-nhan' in answer.headers["content-disposition"]
    )
    return answer.content


def _verdict(url: str, data: bytes) -> ecopy.Verdict:
    with read_scope(url) as session:
        return ecopy.verify(data, session)


def test_the_ecopy_is_signed_stamped_and_verifiable(world) -> None:
    _app, ids, url, _store, officer = world
    data = _download(officer, ids["marital"])
    assert _download(officer, ids["marital"]) == data  # made once, kept
    verdict = _verdict(url, data)
    assert verdict.valid, verdict
    assert verdict.agency == "UBND phường Thanh Xuân" and verdict.signed_at.endswith("+07:00")

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0]
        block = [c for c in first.chars if c["top"] < ecopy.BAND_PT]
        text = "".join(c["text"] for c in block)
        assert text.startswith("SAO Y") and "Thời gian ký: " in text and "+07:00" in text
        assert all(round(c["size"]) == 10 for c in block)
        assert min(c["x0"] for c in block) > first.width / 2  # top right
        assert any("Hương" in c["text"] or c["text"] == "H" for c in first.chars[len(block) :])  # searchable
        images = first.images
        assert images and all(i["srcsize"][0] / (i["width"] / 72) >= 200 for i in images if i["width"] > 200)

    rendered = pdfium.PdfDocument(data)[0].render(scale=200 / 72).to_pil()
    assert rendered.mode == "RGB"
    # OpenCV's ArUco-based detector: its classic one missed 2 in 200 of these pages at 200 DPI and 6
    # at 300 (the time in the payload changes the code each run), the ArUco one none in 400.
    payload, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(np.asarray(rendered.convert("RGB")))
    assert payload.startswith("Mã hồ sơ: "), payload
    for value in (CASE, "HT.KETHON", PID, "Giấy xác nhận tình trạng hôn nhân", "sohoa", "/verify?ecopy="):
        assert value in payload, (value, payload)
    qr_box = _points.reshape(-1, 2)
    assert qr_box[:, 0].max() < rendered.width / 3 and qr_box[:, 1].max() < ecopy.BAND_PT * 200 / 72

    # pyHanko's own validator, with the agency's certificate as the trust root.
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from repository.security.signing import trusted_certificates

    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    context = ValidationContext(trust_roots=trusted_certificates())
    with ThreadPoolExecutor(1) as pool:  # pyHanko's own event loop, whatever this thread runs
        status = pool.submit(validate_pdf_signature, signature, context).result()
    assert status.bottom_line and status.intact and status.trusted


def test_a_changed_byte_a_removed_page_or_a_stranger_is_refused(world, tmp_path: Path) -> None:
    _app, ids, url, _store, officer = world
    data = _download(officer, ids["marital"])
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    assert not _verdict(url, bytes(changed)).valid
    pdf = pdfium.PdfDocument(data)
    pdf.del_page(len(pdf) - 1)
    shorter = io.BytesIO()
    pdf.save(shorter)
    pdf.close()
    assert not _verdict(url, shorter.getvalue()).valid
    plain = _verdict(url, b"%PDF-1.4\n%%EOF\n")
    assert not plain.valid and not plain.signed


def test_a_corrected_or_superseded_document_gets_a_new_ecopy_and_the_old_one_says_so(world) -> None:
    _app, ids, url, store, officer = world
    first = _download(officer, ids["marital"])
    with session_scope(url) as s:
        s.get(Document, ids["marital"]).fields = {"number": {"value": "216/XNTTHN", "confidence": 1.0}}
    second = _download(officer, ids["marital"])
    assert second != first
    old, new = _verdict(url, first), _verdict(url, second)
    assert old.issued_here and not old.current and not old.valid
    assert new.valid, new
    with session_scope(url) as s:
        marital = s.get(Document, ids["marital"])
        s.add(Document(sha256="d" * 64, owner_id=marital.owner_id, original_key="originals/dd/d.pdf",
                       doc_type_code=marital.doc_type_code, status=DocumentStatus.DIGITIZED,
                       issue_date=date(2026, 12, 1), supersedes_id=marital.id))  # fmt: skip
    superseded = _verdict(url, second)
    assert superseded.document_status == "superseded" and not superseded.valid


def test_the_verify_command_and_page(world, tmp_path: Path, home: Path) -> None:
    app, ids, url, _store, officer = world
    data = _download(officer, ids["marital"])
    anyone = TestClient(app)  # the citizen: no account
    page = anyone.post("/verify", files={"file": ("ban-sao.pdf", data, "application/pdf")})
    assert page.status_code == 200 and ">Hợp lệ<" in page.text and "UBND phường Thanh Xuân" in page.text
    assert PID not in page.text
    forged = anyone.post("/verify", files={"file": ("x.pdf", data[:-200] + b" " * 200, "application/pdf")})
    assert "Không hợp lệ" in forged.text
    if url.startswith("sqlite"):  # the command reads the home's own catalog
        good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
        good.write_bytes(data)
        bad.write_bytes(bytes(b ^ 1 if i == 5000 else b for i, b in enumerate(data)))
        env = {"SOHOA_DATABASE_URL": url, "SOHOA_HOME": str(home), "PATH": "/usr/bin:/bin"}
        assert subprocess.run([SOHOA, "verify", str(good)], env=env, capture_output=True).returncode == 0
        assert subprocess.run([SOHOA, "verify", str(bad)], env=env, capture_output=True).returncode == 1
