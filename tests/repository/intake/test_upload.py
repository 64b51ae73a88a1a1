"""Intake through the upload API: every kind of bad input gets a clear reason while the rest of the
batch goes on, rejected originals are quarantined, accepted ones are never lost.

Most tests run the batch with the real stages in-process (``StagesRunner`` below stands in for the
Airflow orchestration only); the browser test at the end goes through the server's own background
runner and the real DAG.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image
from sqlalchemy import select

from repository.api import create_app
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import BatchItem, CaseDocument, Document
from repository.intake import uploads
from repository.intake.batches import active_items, register_batch
from repository.intake.samples import COMPANY, MINH
from repository.pipeline.process import process_item
from repository.pipeline.stages import finish_batch
from repository.settings import DEFAULT_THRESHOLDS, thresholds
from repository.storage import open_store
from tests.helpers import bearer, token_for

OWNER = {
    "case_code": "UBNL-261123-00500", "procedure_code": "HT.TRICHLUC", "agency_code": "UBND.NL",
    "owner_kind": "citizen", "owner_id": MINH.personal_id, "owner_name": MINH.name, "kind": "component",
}  # fmt: skip


class StagesRunner:
    """Runs an uploaded batch through the real stages, synchronously, without Airflow."""

    def submit(self, upload_id: str, inbox: Path) -> None:
        batch_id = register_batch(inbox, run_id=f"test-{upload_id}")
        for item_id in active_items(batch_id):
            process_item(item_id)
        finish_batch(batch_id)


def no_pages_pdf() -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Giay khai sinh")
    pdf.set_encryption(owner_password="o", user_password="u", encryption_method=EncryptionMethod.RC4)
    return bytes(pdf.output())


def bomb_png() -> bytes:
    """A 20000 x 20000 one-bit image: a few KB on disk, 400 megapixels once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def client(home: Path, monkeypatch: pytest.MonkeyPatch):
    limits = home.parent / "thresholds.toml"
    text = DEFAULT_THRESHOLDS.read_text()
    limits.write_text(text.replace("max_file_mb = 200", "max_file_mb = 8"))
    monkeypatch.setenv("SOHOA_THRESHOLDS", str(limits))
    thresholds.cache_clear()
    migrate()
    yield TestClient(create_app(), headers=bearer(token_for("records_staff", "UBND.NL")))
    thresholds.cache_clear()


def send(client: TestClient, upload_id: str, name: str, data: bytes, **meta) -> dict:
    response = client.post(f"/api/uploads/{upload_id}/files", files={"file": (name, data)}, data=OWNER | meta)
    assert response.status_code == 201, response.text
    return response.json()


def test_every_bad_input_gets_its_reason_and_the_rest_goes_on(client, sample_batch: Path) -> None:
    good = (sample_batch / "hs02_giay_khai_sinh.png").read_bytes()
    upload_id = client.post("/api/uploads").json()["upload_id"]
    at_upload = {
        "traversal": send(client, upload_id, "../../etc/khai_sinh.png", good),
        "too_large": send(client, upload_id, "qua_lon.pdf", b"%PDF-1.4\n" + b"0" * (9 * 2**20)),
    }
    files = {
        "good": ("Giấy khai sinh bản sao.png", good),  # unicode and spaces are fine
        "twice": ("giay khai sinh (nộp lại).png", good),  # the same bytes again
        "empty": ("rong.pdf", b""),
        "truncated": ("cat_cut.pdf", b"%PDF-1.7\n1 0 obj\n<<"),
        "encrypted": ("ma_hoa.pdf", encrypted_pdf()),
        "lying_name": ("anh_that.pdf", good),  # PNG bytes under a PDF name
        "bomb": ("bom.png", bomb_png()),
        "no_pages": ("khong_trang.pdf", no_pages_pdf()),
    }
    for name, data in files.values():
        sent = send(client, upload_id, name, data)
        assert sent["status"] == "received", sent
    bad_rows = {
        "bad_identifier": send(client, upload_id, "sai_dinh_danh.png", good, owner_id="99919001234"),
        "bad_procedure": send(client, upload_id, "sai_thu_tuc.png", good, procedure_code="XX.KHONGCO"),
    }
    assert at_upload["traversal"]["status"] == "rejected" and "đường dẫn" in at_upload["traversal"]["reason"]
    assert at_upload["too_large"]["status"] == "rejected" and "quá lớn" in at_upload["too_large"]["reason"]

    uploads.start(upload_id, runner=StagesRunner())
    status = client.get(f"/api/uploads/{upload_id}").json()
    assert status["done"]
    by_name = {f["name"]: f for f in status["files"]}
    expected = {
        "empty": "rỗng",
        "truncated": "hỏng",
        "encrypted": "mã hóa",
        "lying_name": "phần mở rộng",
        "bomb": "bom giải nén",
        "no_pages": "không có trang",
    }
    for key, words in expected.items():
        entry = by_name[files[key][0]]
        assert entry["status"] == "rejected" and words in entry["reason"], (key, entry)
    assert by_name["sai_dinh_danh.png"]["status"] == "rejected"
    assert "định danh" in by_name["sai_dinh_danh.png"]["reason"]
    assert "thủ tục" in by_name["sai_thu_tuc.png"]["reason"]
    assert all(bad_rows[k]["status"] == "received" for k in bad_rows)  # refused by the manifest check

    # The good file and its twin: digitized, one document, one stored original, both rows linked to it.
    first, twin = by_name[files["good"][0]], by_name[files["twice"][0]]
    assert first["status"] in ("digitized", "needs_review") and first["pages"] == 1
    assert twin["document_id"] == first["document_id"] and twin["status"] == first["status"]
    store = open_store()
    assert len(list(store.list("originals/"))) == 1
    with session_scope() as s:
        doc = s.get(Document, first["document_id"])
        assert doc.filename == "Giấy khai sinh bản sao.png"
        assert s.scalar(select(CaseDocument).where(CaseDocument.document_id == doc.id)) is not None
        # Rejected originals are kept in quarantine, by content, with their reason on the item.
        items = {i.filename: i for i in s.scalars(select(BatchItem))}
        for key in ("empty", "truncated", "encrypted", "lying_name", "bomb", "no_pages"):
            item = items[files[key][0]]
            assert item.quarantine_key and store.exists(item.quarantine_key), key
            assert files[key][0] not in item.quarantine_key  # names may carry personal data: not in keys
    # Nothing accepted is lost: every received file is still on disk under the upload.
    kept = {p.name for p in (uploads.uploads_root() / upload_id / "files").iterdir()}
    assert {name for name, _ in files.values()} <= kept
    assert not [p for p in uploads.uploads_root().rglob("*") if "etc" in p.parts]


COMPANY_META = {"case_code": "SOTC-261123-00042", "procedure_code": "DN.THAYDOI", "agency_code": "UBND.NL",
                "owner_kind": "organization", "owner_id": COMPANY[1], "owner_name": COMPANY[0]}  # fmt: skip
KINDS = {
    # kind: (file name, bytes or a builder, extra manifest fields, words the reason must hold)
    "empty": ("rong.pdf", b"", {}, "rỗng"),
    "truncated_pdf": ("cat_cut.pdf", b"%PDF-1.7\n1 0 obj\n<<", {}, "hỏng"),
    "encrypted_pdf": ("ma_hoa.pdf", encrypted_pdf, {}, "mã hóa"),
    "name_lies": ("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64, {}, "phần mở rộng"),
    "unsupported": ("ghi chu.txt", b"khong phai ban quet", {}, "không được hỗ trợ"),
    "decompression_bomb": ("bom.png", bomb_png, {}, "bom giải nén"),
    "pdf_without_pages": ("khong_trang.pdf", no_pages_pdf, {}, "không có trang"),
    "over_size_limit": ("qua_lon.pdf", lambda: b"%PDF-1.4\n" + b"0" * (9 * 2**20), {}, "quá lớn"),
    "path_traversal": ("../../etc/passwd.pdf", b"%PDF-1.4", {}, "đường dẫn"),
    "invalid_identifier": ("sai_mst.pdf", None, {"owner_id": "0101234566"}, "mã số thuế"),
    "unknown_procedure": ("sai_thu_tuc.pdf", None, {"procedure_code": "XX.KHONGCO"}, "thủ tục"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_bad_input_kind(client, sample_batch: Path, kind: str) -> None:
    """One bad file beside a good born-digital one: the bad one is refused with its reason (and kept in
    quarantine when it was accepted for inspection), the good one is digitized."""
    name, data, extra, words = KINDS[kind]
    good = (sample_batch / "hs03_giay_chung_nhan_dkdn.pdf").read_bytes()
    data = good if data is None else data() if callable(data) else data
    upload_id = client.post("/api/uploads").json()["upload_id"]
    send(client, upload_id, "dang_ky_doanh_nghiep.pdf", good, **COMPANY_META)
    send(client, upload_id, name, data, **(COMPANY_META | extra))
    uploads.start(upload_id, runner=StagesRunner())
    status = client.get(f"/api/uploads/{upload_id}").json()
    good_entry, bad_entry = status["files"]
    assert status["done"] and good_entry["status"] == "digitized", good_entry
    assert bad_entry["status"] == "rejected" and words in bad_entry["reason"], bad_entry
    # Every reason a user sees has a stable code beside it, and no library's English text in it.
    assert bad_entry["reason_code"] and bad_entry["reason_code"] not in ("refused", "unreadable"), bad_entry
    assert "PDFium" not in bad_entry["reason"] and "Error" not in bad_entry["reason"], bad_entry
    with session_scope() as s:
        item = s.scalar(select(BatchItem).where(BatchItem.filename == bad_entry["stored_as"]))
        if item is not None and kind not in ("invalid_identifier", "unknown_procedure"):
            assert item.quarantine_key and open_store().exists(item.quarantine_key)  # kept for inspection


def test_upload_errors_are_clear(client) -> None:
    missing = client.get("/api/uploads/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "upload_not_found"
    assert client.get("/api/uploads/not-a-uuid").status_code == 404
    upload_id = client.post("/api/uploads").json()["upload_id"]
    empty = client.post(f"/api/uploads/{upload_id}/start")
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "no_files"
    page = client.get("/upload")
    assert page.status_code == 200 and "Tải lên hồ sơ" in page.text
    assert {p["code"] for p in client.get("/api/procedures").json()["results"]} >= {"HT.KETHON"}
    assert len(client.get("/api/document-types").json()["results"]) >= 10
