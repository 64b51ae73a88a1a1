"""Regression tests for what a probe of the running system broke (one test per defect).

Each fails on the code before the fix: purpose binding by id alone, the SQLite audit chain under
concurrent requests, chunked and anonymous bodies, pages huge in pixels, inbox names and manifests,
savepoints on SQLite, half-written objects, identifiers in the queue, the login limiter behind
X-Forwarded-For, the explorer without a caller, token lifetimes, logout without CSRF, and a cut tail
or rewritten chain detected against a signed checkpoint.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, text

from ocr.pages import BadInput, PageLimits, open_source
from repository.api import create_app
from repository.catalog.db import get_engine, migrate, session_scope
from repository.catalog.models import Batch, BatchItem, ItemStatus, Owner
from repository.security import audit
from repository.storage import LocalStore
from tests.helpers import CASE, PID, bearer, free_port, seed_catalog, serve_app, sign_in, token_for, wait_for

OWN, OTHER = "UBND.TX", "UBND.NL"


@pytest.fixture
def world(catalog_url: str, tmp_path: Path, home: Path):
    store = LocalStore(tmp_path / "objects")
    ids = seed_catalog(catalog_url, store)
    return create_app(catalog_url, store), ids, catalog_url, store


# -- high ------------------------------------------------------------------------------------------


def test_a_document_id_alone_opens_no_case(world) -> None:
    """An officer of an agency handling none of the owner's cases names a new case and a document id."""
    app, ids, url, _ = world
    stranger = TestClient(app, headers=bearer(token_for("officer", OTHER, url)))
    new_case = "UBNL-261201-00001"
    attach = stranger.post(
        f"/api/cases/{new_case}/documents",
        json={"document_id": ids["marital"], "procedure_code": "HT.KETHON"},
    )
    assert attach.status_code == 403 and attach.json()["error"]["code"] == "case_not_handled"
    for path in (f"/api/documents/{ids['marital']}", f"/api/documents/{ids['marital']}/file"):
        assert stranger.get(path, params={"case": new_case}).status_code == 403, path
    # An owner key is no better than a document id: it opens no case either.
    check = stranger.post("/api/reuse-check", json={"owner": ids["owner"], "procedure": "HT.KETHON",
                                                    "case": new_case})  # fmt: skip
    assert check.status_code == 403
    with session_scope(url) as s:
        assert (
            s.execute(text("SELECT count(*) FROM case_file WHERE case_code = :c"), {"c": new_case}).scalar()
            == 0
        )
    # The applicant identified by their number opens the case; then attaching works.
    opened = stranger.post("/api/reuse-check", json={"owner_kind": "citizen", "owner_id": PID,
                                                     "procedure": "HT.KETHON", "case": new_case})  # fmt: skip
    assert opened.status_code == 200
    attached = stranger.post(f"/api/cases/{new_case}/documents", json={"document_id": ids["marital"]})
    assert attached.status_code == 201
    # ...but never another owner's document onto that case.
    foreign = stranger.post(f"/api/cases/{new_case}/documents", json={"document_id": ids["foreign"]})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "case_owner_mismatch"


@pytest.mark.parametrize("parallel", [2, 16])
def test_audit_chain_holds_under_concurrent_requests(world, parallel: int) -> None:
    app, ids, url, _ = world
    token = token_for("officer", OWN, url)
    base, stop = serve_app(app)
    try:
        with httpx.Client(base_url=base, headers=bearer(token), timeout=60) as client:

            def read(n: int) -> int:
                path = (
                    f"/api/documents/{ids['marital']}" if n % 2 else f"/api/owners/{ids['owner']}/documents"
                )
                return client.get(path, params={"case": CASE}).status_code

            with ThreadPoolExecutor(parallel) as pool:
                codes = list(pool.map(read, range(150)))
    finally:
        stop()
    assert codes == [200] * 150
    result = audit.verify(url)
    assert result.ok, result.problems[:5]
    with session_scope(url) as s:
        events = s.execute(text("SELECT count(*) FROM audit_event")).scalar()
        head = s.execute(text("SELECT count FROM audit_head")).scalar()
    assert events == head >= 150


def test_a_cut_tail_or_rewritten_chain_is_caught_by_the_signed_checkpoint(catalog_url: str, tmp_path) -> None:
    store = LocalStore(tmp_path / "objects")
    for n in range(6):
        audit.record(catalog_url, actor="o", role="officer", agency=OWN, action="read", outcome="allowed",
                     document_id=f"d{n}")  # fmt: skip
    audit.checkpoint(store, catalog_url)
    assert audit.verify(catalog_url, store).ok
    # Cut the last two events and move the head back: the chain alone says nothing is wrong.
    with get_engine(catalog_url).begin() as conn:
        previous = conn.execute(text("SELECT hash FROM audit_event WHERE id = 4")).scalar()
        conn.execute(text("DELETE FROM audit_event WHERE id > 4"))
        conn.execute(text("UPDATE audit_head SET count = 4, last_hash = :h"), {"h": previous})
    assert audit.verify(catalog_url).ok
    cut = audit.verify(catalog_url, store)
    assert not cut.ok and "cut" in " ".join(cut.problems)
    # Rewrite the whole chain consistently (new content, hashes recomputed): the anchor no longer holds.
    with get_engine(catalog_url).begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
        conn.execute(text("DELETE FROM audit_head"))
    for n in range(6):
        audit.record(catalog_url, actor="someone-else", role="officer", agency=OWN, action="read",
                     outcome="allowed", document_id=f"x{n}")  # fmt: skip
    assert audit.verify(catalog_url).ok
    rewritten = audit.verify(catalog_url, store)
    assert not rewritten.ok and "rewritten" in " ".join(rewritten.problems)
    # A forged checkpoint (no key) is named as such.
    forged = next(iter(store.list(audit.CHECKPOINTS)))
    store.put_bytes(forged, store.get_bytes(forged).replace(b'"count": 6', b'"count": 1'))
    assert any("signature" in p for p in audit.verify(catalog_url, store).problems)


def _chunked_post(base: str, path: str, headers: dict[str, str], budget: int) -> tuple[int, int]:
    """POST a chunked body (no Content-Length) until the server answers; returns (status, bytes sent)."""
    host, port = base.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Transfer-Encoding: chunked",
             "Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    chunk = b" " * 65536
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        reply = b""
        while sent < budget and not reply:
            try:
                sock.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                break
            with contextlib.suppress(BlockingIOError):
                reply = sock.recv(4096)
        sock.setblocking(True)
        reply = reply or sock.recv(4096)
    return int(reply.split(b" ", 2)[1]), sent


def test_chunked_and_anonymous_bodies_are_refused_at_the_limit(world) -> None:
    app, _ids, url, _ = world
    base, stop = serve_app(app)
    try:
        token = token_for("officer", OWN, url)
        status, sent = _chunked_post(base, "/api/reuse-check", {"Authorization": f"Bearer {token}"}, 64 << 20)
        assert status == 413 and sent < 32 << 20
        status, sent = _chunked_post(base, "/api/reuse-check", {}, 64 << 20)
        assert status == 401 and sent < 32 << 20
        status, sent = _chunked_post(base, "/api/uploads/x/files", {}, 64 << 20)
        assert status == 401 and sent < 32 << 20
        status, sent = _chunked_post(base, "/api/uploads/x/files", {"Authorization": "Bearer sohoa_forged"},
                                     64 << 20)  # fmt: skip
        assert status == 401 and sent < 32 << 20
    finally:
        stop()


def _huge_page_pdf(path: Path, inches: int) -> Path:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(inches * 72, inches * 72)
    pdf.save(str(path))
    pdf.close()
    return path


def test_pages_huge_in_pixels_are_refused_before_rendering(tmp_path: Path) -> None:
    from repository.intake.preflight import check_input

    pdf = _huge_page_pdf(tmp_path / "giant.pdf", 200)
    assert pdf.stat().st_size < 2048  # a few hundred bytes declare a 200-inch page
    tracemalloc.start()
    with pytest.raises(BadInput, match="quá lớn"):
        check_input(pdf)
    png = tmp_path / "bomb.png"
    Image.new("1", (16000, 16000), 1).save(png, optimize=True)
    with pytest.raises(BadInput, match="megapixel"):
        check_input(png)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 << 20  # nothing was decoded
    # A large but real sheet (A0) is read at a coarser resolution rather than refused.
    source = open_source(_huge_page_pdf(tmp_path / "a0.pdf", 46), PageLimits())
    try:
        image = source.render(1)
        assert image.width * image.height <= PageLimits().max_pixels and image.info["dpi"][0] >= 150
    finally:
        source.close()


# -- medium ----------------------------------------------------------------------------------------


def _manifest_row(name: str, case: str = "HS-1") -> str:
    return f"{name},{case},HT.KETHON,citizen,{PID}"


def test_inbox_names_not_utf8_or_in_nfd(home: Path, tmp_path: Path) -> None:
    from repository.intake.batches import register_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nfc = "giấy xác nhận.pdf"
    (inbox / unicodedata.normalize("NFD", nfc)).write_bytes(b"%PDF-1.4 x")
    (inbox / "ok.pdf").write_bytes(b"%PDF-1.4 y")
    with open(os.fsencode(inbox) + b"/b\xe1o c\xe1o.pdf", "wb") as latin1:  # a name in Latin-1 bytes
        latin1.write(b"%PDF-1.4 z")
    header = "file,case_code,procedure_code,owner_kind,owner_id"
    (inbox / "manifest.csv").write_text("\n".join([header, _manifest_row(nfc), _manifest_row("ok.pdf")]))
    batch = register_batch(inbox)
    with session_scope() as s:
        items = {i.row_number: i for i in s.scalars(select(BatchItem).where(BatchItem.batch_id == batch))}
    assert items[1].status == ItemStatus.PENDING and items[1].reason is None  # the NFD file matched
    assert items[2].status == ItemStatus.PENDING
    assert [i.status for n, i in items.items() if n < 0] == [ItemStatus.REJECTED]
    assert "UTF-8" in items[-1].reason and "\ufffd" in items[-1].filename


def _windows_1258(text: str) -> bytes:
    """As Excel on a Vietnamese Windows writes it: letters with a tone as base letter + combining tone."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)  # e.g. e + circumflex + tilde
            split = 2 if len(parts) > 2 else 1  # the tone is the last mark: ê stays, the tilde combines
            out += (unicodedata.normalize("NFC", parts[:split]) + parts[split:]).encode("cp1258")
    return out


def test_manifests_with_semicolons_or_windows_1258_and_unreadable_ones(home: Path, tmp_path: Path) -> None:
    from repository.intake.batches import register_batch
    from repository.pipeline.summary import batch_summary

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(b"%PDF-1.4 a")
    rows = ["file;case_code;procedure_code;owner_kind;owner_id;owner_name",
            f"a.pdf;HS-1;HT.KETHON;công dân;{PID};Nguyễn Thị Hương"]  # fmt: skip
    (inbox / "manifest.csv").write_bytes(_windows_1258("\r\n".join(rows)))
    batch = register_batch(inbox)
    with session_scope() as s:
        item = s.scalar(select(BatchItem).where(BatchItem.batch_id == batch))
        assert item.status == ItemStatus.PENDING and item.owner_name == "Nguyễn Thị Hương"
    # Columns it cannot find: the batch is refused with the reason, recorded, and summarized.
    (inbox / "manifest.csv").write_text("tệp;mã hồ sơ\na.pdf;HS-1\n", encoding="utf-8")
    refused = register_batch(inbox)
    with session_scope() as s:
        assert "thiếu cột" in s.get(Batch, refused).reason
    summary = batch_summary(refused)
    assert summary.refused and summary.files == 0 and summary.problems[0][1] == "refused"


def test_a_rolled_back_transaction_leaves_no_savepoint_rows(catalog_url: str) -> None:
    from repository.pipeline.stages import _get_or_create

    with pytest.raises(RuntimeError), session_scope(catalog_url) as session:
        _get_or_create(session, Owner, {"kind": "citizen", "identifier": PID}, name="X")
        raise RuntimeError("killed while storing")
    with session_scope(catalog_url) as session:
        assert session.scalar(select(Owner).where(Owner.identifier == PID)) is None


WRITER = """
import sys, time
from pathlib import Path
from repository.storage import LocalStore
def slow(out):
    out.write(b"x" * 1024 * 1024); out.flush(); print("writing", flush=True); time.sleep(60)
LocalStore(Path(sys.argv[1]))._write("originals/ab/abc.pdf", slow)
"""


def test_a_killed_write_is_seen_as_an_orphan_and_swept(tmp_path: Path, catalog_url: str) -> None:
    from quality.collect import collect

    root = tmp_path / "objects"
    store = LocalStore(root)
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert list(store.list()) == []  # never visible as an object
    assert len(store.partial_writes()) == 1
    objects = collect(store, database_url=catalog_url).objects
    assert objects[~objects["expected"]].shape[0] == 1  # the orphan check sees it
    assert store.sweep_partial_writes() == 1 and store.partial_writes() == []


def test_the_review_queue_masks_identifiers_in_fields(catalog_url: str) -> None:
    from quality.review import review_queue
    from repository.catalog.models import Document

    store_ids = seed_catalog(
        catalog_url, LocalStore(Path(os.environ.get("TMPDIR", "/tmp")) / f"o{time.time_ns()}")
    )
    with session_scope(catalog_url) as s:
        s.get(Document, store_ids["card"]).fields = {"personal_id": {"value": PID, "confidence": 0.9}}
    queue = review_queue(database_url=catalog_url)
    assert PID not in str(queue)
    entry = next(e for e in queue["results"] if e["document_id"] == store_ids["card"])
    assert entry["fields"]["personal_id"]["value"] == "001*******45"


# -- low -------------------------------------------------------------------------------------------


def test_explorer_token_days_and_logout_need_a_caller(world) -> None:
    app, _ids, url, _ = world
    anonymous = TestClient(app)
    assert anonymous.get("/openapi.json").status_code == 401
    for page in ("/docs",):
        answer = anonymous.get(page, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    admin = TestClient(app, headers=bearer(token_for("admin", None, url)))
    assert admin.get("/openapi.json").json()["info"]["title"].startswith("sohoa")
    for days in (-5, 0, 367):
        refused = admin.post("/api/users", json={"name": "x", "role": "officer", "days": days})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_days"
    browser = TestClient(app)
    sign_in(browser, token_for("steward", OWN, url))
    assert browser.post("/logout", follow_redirects=False).status_code == 403  # no CSRF token
    from repository.api.deps import SESSION_COOKIE
    from repository.security.access import csrf_token

    csrf = csrf_token(browser.cookies[SESSION_COOKIE])
    assert browser.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303


def test_served_limiter_ignores_forwarded_for_and_logs_no_query(home: Path) -> None:
    """The real `sohoa serve`: rotating X-Forwarded-For still meets the limiter; a search for an
    identifier leaves no trace of it in the server's output; `users add --days -5` is refused."""
    migrate()
    env = os.environ.copy()
    sohoa = [sys.executable, "-m", "repository"]
    assert subprocess.run([*sohoa, "users", "add", "x", "--role", "officer", "--days", "-5"],
                          capture_output=True, env=env).returncode == 2  # fmt: skip
    officer = token_for("officer", OWN)
    port = free_port()
    log = (home / "serve.log").open("w+")
    server = subprocess.Popen([*sohoa, "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                              env=env)  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/health").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        assert wait_for(up, 30)
        codes = []
        for n in range(7):
            with httpx.Client(base_url=base) as browser:
                codes.append(
                    sign_in(browser, "wrong", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                )
        assert codes[:5] == [303] * 5 and codes[5:] == [429, 429]
        found = httpx.get(f"{base}/api/search", params={"q": PID, "case": CASE}, headers=bearer(officer))
        assert found.status_code == 403  # no such case here; the line is logged all the same
    finally:
        server.terminate()
        server.wait(10)
    log.seek(0)
    output = log.read()
    assert "/api/search" in output and PID not in output


def test_images_of_many_frames_are_checked_frame_by_frame(tmp_path: Path) -> None:
    frames = [Image.new("L", (100, 100), 255), Image.new("L", (4000, 4000), 255)]
    path = tmp_path / "two.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    with pytest.raises(BadInput, match="trang 2"):
        open_source(path, PageLimits(max_megapixels=10))
    assert len(open_source(path, PageLimits(max_megapixels=20))) == 2


def test_a_photo_over_the_pixel_limit_is_refused_whatever_its_exif(tmp_path: Path) -> None:
    # A JPEG claiming 72 DPI: its pixels are what count.
    buffer = io.BytesIO()
    Image.new("RGB", (12000, 9000), "white").save(buffer, "JPEG", dpi=(72, 72))
    path = tmp_path / "photo.jpg"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(BadInput, match="108 megapixel"):
        open_source(path)
