"""The digitize_case_files DAG end to end with Airflow's dag.test(), on both catalog/storage shapes."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import func, select

from repository.catalog.db import session_scope
from repository.catalog.models import BatchItem, CaseDocument, CaseFile, Document, DocumentStatus, Owner, Page
from repository.intake.preflight import sha256_file
from repository.intake.samples import HUONG, MINH
from repository.pipeline.runner import DAG_ID, dags_folder, run_dag
from repository.pipeline.summary import batch_summary
from repository.reuse.rules import reuse_check
from repository.storage import keys, open_store
from tests.helpers import fresh_python

IDENTIFIERS = (HUONG.personal_id, MINH.personal_id, "0101234565")


def test_dagbag_imports_without_errors_or_work_at_parse_time() -> None:
    script = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag({str(dags_folder())!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        f"dag = bag.dags[{DAG_ID!r}]\n"
        "print(sorted(dag.task_ids))\n"
        "wanted = {'expire_documents', 'catalog_quality', 'watch_dropzone'}\n"
        "assert wanted <= set(bag.dags), sorted(bag.dags)\n"
        "heavy = [m for m in ('repository.pipeline.stages', 'repository.catalog.models', 'ocr.document',\n"
        "                     'pdfplumber', 'tesserocr', 'great_expectations', 'quality.checks',\n"
        "                     'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = fresh_python(script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "'digitize_file'" in done.stdout and "'register_batch'" in done.stdout
    assert "'check_quality'" in done.stdout


def _manifest(inbox: Path) -> list[dict[str, str]]:
    with open(inbox / "manifest.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _counts() -> dict[str, int]:
    with session_scope() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (Owner, CaseFile, Document, CaseDocument, Page, BatchItem)
        }


def _scan_for_identifiers(root: Path) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {i}" for i in IDENTIFIERS if i.encode() in data]
    return hits


def test_full_run_on_embedded_default(home: Path, sample_batch: Path) -> None:
    outcome = run_dag(conf={"inbox": str(sample_batch)})
    assert outcome.state == "success"
    summary = batch_summary(outcome.batch_id)
    rows = _manifest(sample_batch)
    assert summary.files == len(rows) == 9  # every sample file accounted for
    assert set(summary.by_status) <= {DocumentStatus.DIGITIZED, DocumentStatus.NEEDS_REVIEW}
    assert summary.documents == 8  # the CCCD photo handed in twice is one document
    assert summary.pages == 11
    assert summary.pages_by_method == {"text": 3, "ocr": 8}
    assert summary.lowest_confidence > 70
    assert {o.name for o in summary.owners} >= {HUONG.name, MINH.name}

    store = open_store()
    with session_scope() as s:
        documents = list(s.scalars(select(Document)))
        for doc in documents:
            assert doc.status in (DocumentStatus.DIGITIZED, DocumentStatus.NEEDS_REVIEW)
            assert store.exists(doc.original_key) and doc.sha256 in doc.original_key
            assert store.exists(doc.searchable_key) and store.exists(doc.text_key)
            detail = json.loads(store.get_bytes(keys.ocr_key(doc.id)))
            assert [p["number"] for p in detail["pages"]] == [p.number for p in doc.pages]
            assert doc.digitized_at is not None and doc.page_count == len(doc.pages)
        # Understanding: the type the text shows (the declared one where given), a result code.
        declared = {r["file"]: r["document_type"] for r in rows}
        for doc in documents:
            if declared.get(doc.filename):
                assert doc.doc_type_code == declared[doc.filename], doc.filename
            assert doc.result_code and doc.fields
        assert len({d.result_code for d in documents}) == len(documents)
        result_codes = sorted(d.result_code for d in documents)
        # The re-submitted CCCD: one document, linked to two cases.
        cccd_sha = sha256_file(sample_batch / "hs05_cccd_nop_lai.jpg")
        cccd = s.scalar(select(Document).where(Document.sha256 == cccd_sha))
        links = s.scalars(select(CaseDocument).where(CaseDocument.document_id == cccd.id)).all()
        assert len(links) == 2
        assert "HƯƠNG" in store.get_bytes(cccd.text_key).decode()
        # The mixed PDF is decided page by page.
        mixed = s.scalar(select(Document).where(Document.filename == "hs03_quyet_dinh_kem_phu_luc.pdf"))
        assert [p.method for p in mixed.pages] == ["text", "ocr"]
        mixed_key, page_count = mixed.searchable_key, mixed.page_count
        scanned = s.scalar(select(Document).where(Document.filename == "hs06_quyet_dinh_ban_quet.pdf"))
        scanned_key = scanned.searchable_key
    # Searchable PDFs: every page there, and OCRed pages carry an invisible text layer.
    for key, expected in ((mixed_key, page_count), (scanned_key, 1)):
        local = home / "check.pdf"
        store.download(key, local)
        with pdfplumber.open(local) as pdf:
            assert len(pdf.pages) == expected
            assert "Điều" in (pdf.pages[-1].extract_text() or "") or "PHỤ LỤC" in (
                pdf.pages[-1].extract_text() or ""
            )

    # The officer's flow: a new marriage application for Hương needs neither document again...
    report = reuse_check("citizen", HUONG.personal_id, procedure="HT.KETHON", on=date(2026, 11, 23))
    assert [(o.requirement.type, o.satisfied) for o in report.outcomes] == [
        ("cccd", True),
        ("marital_status_certificate", True),
    ]
    # ... but half a year later the marital status certificate has expired.
    later = reuse_check("citizen", HUONG.personal_id, procedure="HT.KETHON", on=date(2027, 5, 1))
    assert [o.reason for o in later.outcomes] == [None, "expired"]
    # A land-use certificate is reused only once a steward approved it.
    permit = reuse_check("citizen", MINH.personal_id, procedure="XD.GPXD", on=date(2026, 11, 23))
    assert [(o.requirement.type, o.reason) for o in permit.outcomes] == [
        ("land_use_certificate", "in_review"),
        ("cccd", "none_on_file"),
    ]

    # The quality task ran GX on the batch and published the steward report and the Data Docs.
    assert store.exists("reports/steward/latest.html") and store.exists("reports/data-docs/index.html")
    assert "Báo cáo chất lượng" in store.get_bytes("reports/steward/latest.html").decode()

    # Re-running the same batch changes nothing: no duplicate row, no duplicate object (reports are
    # dated and accumulate by design).
    records = [k for k in store.list() if not k.startswith("reports/")]
    counts, objects = _counts(), sorted(records)
    again = run_dag(conf={"inbox": str(sample_batch)})
    assert again.state == "success" and again.batch_id == outcome.batch_id
    assert _counts() == counts
    assert sorted(k for k in store.list() if not k.startswith("reports/")) == objects
    with session_scope() as s:
        assert sorted(s.scalars(select(Document.result_code))) == result_codes
    assert len([k for k in objects if k.startswith("originals/")]) == 8

    # Personal identifiers stay out of object keys, XCom, task logs, reports and Data Docs.
    assert not [k for k in store.list() if any(i in k for i in IDENTIFIERS)]
    for key in store.list("reports/"):
        data = store.get_bytes(key)
        assert not [i for i in IDENTIFIERS if i.encode() in data], key
    assert _scan_for_identifiers(home / "quality") == []
    airflow_db = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    with sqlite3.connect(airflow_db) as conn:
        xcoms = [str(v) for (v,) in conn.execute("select value from xcom")]
    assert xcoms and not [x for x in xcoms if any(i in x for i in IDENTIFIERS)]
    assert _scan_for_identifiers(Path(os.environ["AIRFLOW_HOME"]) / "logs") == []


def test_run_on_postgresql_and_s3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, s3_endpoint: str, sample_batch: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wanted = ("hs03_giay_chung_nhan_dkdn.pdf", "hs02_giay_khai_sinh.png")
    rows = [r for r in _manifest(sample_batch) if r["file"] in wanted]
    for row in rows:
        shutil.copy(sample_batch / row["file"], inbox / row["file"])
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n% truncated")
    rows.append(rows[0] | {"file": "broken.pdf"})
    with open(inbox / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_DATABASE_URL", pg_url)
    monkeypatch.setenv("SOHOA_STORAGE_URL", "s3://sohoa-dag-test")
    monkeypatch.setenv("SOHOA_S3_ENDPOINT", s3_endpoint)
    monkeypatch.setenv("SOHOA_S3_ACCESS_KEY", "testing")
    monkeypatch.setenv("SOHOA_S3_SECRET_KEY", "testing")
    monkeypatch.setenv("SOHOA_S3_REGION", "us-east-1")

    outcome = run_dag(conf={"inbox": str(inbox)})
    assert outcome.state == "success"  # a bad file is turned away; the run and the rest go on
    summary = batch_summary(outcome.batch_id)
    assert summary.files == 3 and summary.documents == 2
    assert summary.pages_by_method == {"text": 1, "ocr": 1}
    [(file, status, reason)] = summary.problems
    assert file == "broken.pdf" and status == "rejected" and "PDF" in reason
    store = open_store()
    keys = sorted(store.list())
    assert len([k for k in keys if k.startswith("originals/")]) == 2
    assert len([k for k in keys if k.startswith("documents/")]) == 6  # searchable PDF, text, OCR detail
    counts = _counts()
    assert run_dag(conf={"inbox": str(inbox)}).state == "success"
    records = [k for k in keys if not k.startswith("reports/")]  # reports accumulate by design
    assert _counts() == counts and sorted(k for k in store.list() if not k.startswith("reports/")) == records
