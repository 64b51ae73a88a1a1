"""Helpers the tests share (fixtures live in conftest.py): ports, waiting, users and tokens, small
seeded catalogs, a live server, where screenshots go."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from repository.catalog.db import session_scope
from repository.catalog.models import (
    CaseDocument,
    CaseFile,
    Document,
    DocumentStatus,
    Owner,
    Page,
    ReviewReason,
)

PID = "001190012345"
CASE = "UBTX-261002-00017"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostgres:
    """A throwaway PostgreSQL server of the tests' own, from Debian's binaries (``make test`` installs
    them): for when none answers, and for tests that must restart the server under a running batch."""

    def __init__(self) -> None:
        import glob
        import tempfile

        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            import pytest

            pytest.fail(
                "Debian's postgresql binaries are missing: run 'make test' (it installs them)", pytrace=False
            )
        self.bindir = Path(binaries[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="sohoa-pg-"))
        self.data, self.port = self.root / "data", free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            import shutil

            shutil.chown(self.root, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args) -> None:
        import subprocess

        done = subprocess.run([*self.as_user, *map(str, args)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> PrivatePostgres:
        self._ctl(self.bindir / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl(
            self.bindir / "pg_ctl", "-D", self.data, "-w", "-l", self.root / "log", "-o", options, "start"
        )
        return self

    def restart(self) -> None:
        """A fast restart: every open connection is cut, the server is back a moment later."""
        self._ctl(
            self.bindir / "pg_ctl", "-D", self.data, "-w", "-l", self.root / "log", "-m", "fast", "restart"
        )

    def stop(self) -> None:
        import shutil

        with contextlib.suppress(RuntimeError):
            self._ctl(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def fresh_python(script: str) -> subprocess.CompletedProcess:
    """Run ``script`` in a new interpreter with this environment: what a module imports on its own,
    as a worker or the DAG processor would import it, untouched by what the tests imported."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy()
    )


def assert_fresh_python_ok(script: str) -> None:
    """``script`` (which prints 'ok' as its last line) runs to its end in a new interpreter."""
    done = fresh_python(script)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


CHROMIUM = os.environ.get("SOHOA_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("SOHOA_SCREENSHOTS") or Path(__file__).resolve().parent.parent / "var" / "screenshots"
)


def token_for(
    role: str, agency: str | None = None, database_url: str | None = None, name: str | None = None
) -> str:
    """A fresh user of ``role`` (in ``agency``) and their bearer token."""
    from repository.security.auth import add_user

    return add_user(name or f"{role}-{uuid.uuid4().hex[:8]}", role, agency, 30, database_url)


def sign_in(client, token: str, next: str = "/", **kwargs):
    """Sign in through the page as a browser does: the form's page first (its login CSRF cookie and
    field), then the post."""
    client.get("/login")
    csrf = client.cookies.get("sohoa_login_csrf", "")
    return client.post(
        "/login", data={"token": token, "next": next, "csrf": csrf}, follow_redirects=False, **kwargs
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def serve_app(app) -> tuple[str, callable]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, 15)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop


def seed_catalog(url: str, store) -> dict[str, str]:
    store.put_bytes("originals/ab/abc.pdf", b"%PDF-1.7 original")
    store.put_bytes("documents/d/searchable.pdf", b"%PDF-1.7 searchable")
    store.put_bytes("documents/d/text.txt", "Giấy xác nhận tình trạng hôn nhân".encode())
    with session_scope(url) as s:
        owner = Owner(kind="citizen", identifier=PID, name="Nguyễn Thị Hương")
        other = Owner(kind="citizen", identifier="079085004321", name="Trần Văn Minh")
        s.add_all([owner, other])
        s.flush()
        case = CaseFile(case_code=CASE, procedure_code="HT.KETHON", agency_code="UBND.TX", owner_id=owner.id)
        s.add(case)
        s.flush()
        common = {
            "owner_id": owner.id,
            "origin_case_id": case.id,
            "procedure_code": "HT.KETHON",
            "digitized_by": "văn thư A",
            "digitized_at": datetime(2026, 10, 3, tzinfo=UTC),
        }
        marital = Document(
            sha256="a" * 64,
            original_key="originals/ab/abc.pdf",
            content_type="application/pdf",
            searchable_key="documents/d/searchable.pdf",
            text_key="documents/d/text.txt",
            doc_type_code="marital_status_certificate",
            doc_type_name="Giấy xác nhận tình trạng hôn nhân",
            issue_date=date(2026, 10, 2),
            valid_until=date(2027, 4, 2),
            status=DocumentStatus.DIGITIZED,
            result_code=f"{PID}.GT.XNTTHN.215-XNTTHN.01",
            fields={"number": {"value": "215/XNTTHN", "confidence": 0.9, "page": 1, "line": 4}},
            **common,
        )
        card = Document(
            sha256="b" * 64,
            original_key="originals/bb/b.jpg",
            doc_type_code="cccd",
            valid_until=date(2030, 3, 12),
            status=DocumentStatus.NEEDS_REVIEW,
            **common,
        )
        foreign = Document(
            sha256="c" * 64,
            original_key="originals/cc/c.pdf",
            owner_id=other.id,
            doc_type_code="cccd",
            status=DocumentStatus.DIGITIZED,
        )
        s.add_all([marital, card, foreign])
        s.flush()
        s.add(CaseDocument(case_id=case.id, document_id=marital.id))
        return {"owner": owner.id, "marital": marital.id, "card": card.id, "foreign": foreign.id}


FIELDS = {
    "full_name": {"value": "Nguyễn Thị Hương", "confidence": 0.9, "page": 1, "line": 3},
    "date_of_birth": {"value": "1990-03-12", "confidence": 0.9, "page": 1, "line": 4},
    "number": {"value": "12/2020", "confidence": 0.9, "page": 1, "line": 2},
}


def seed_quality_catalog(url: str, store) -> dict[str, str]:
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


def images_loaded(page, selector: str, min_width: int = 50, timeout: float = 20.0) -> bool:
    """Every image matching ``selector`` has loaded (natural width at least ``min_width``). Polled from
    Python: the pages' CSP forbids the eval Playwright's wait_for_function would need."""
    return wait_for(
        lambda: (
            bool(page.locator(selector).count())
            and all(
                w >= min_width
                for w in page.locator(selector).evaluate_all("els => els.map(e => e.naturalWidth)")
            )
        ),
        timeout,
    )
