"""The steward's rules on a real digitized document: a rerun keeps what the steward corrected (fields
and type win over the new reading, both in the history); an owner mismatch is resolved by re-linking."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from quality import review
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import BatchItem, CaseDocument, Document, Owner
from repository.intake.batches import active_items, register_batch
from repository.pipeline.process import process_item
from repository.storage import LocalStore


def _digitized(sample_batch: Path, tmp_path: Path, filename: str) -> tuple[str, str, LocalStore]:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(url)
    store = LocalStore(tmp_path / "objects")
    batch = register_batch(sample_batch, database_url=url)
    with session_scope(url) as s:
        item = s.scalar(select(BatchItem).where(BatchItem.batch_id == batch, BatchItem.filename == filename))
        item_id = item.id
    assert item_id in active_items(batch, url)
    process_item(item_id, store=store, database_url=url)
    with session_scope(url) as s:
        return url, s.get(BatchItem, item_id).document_id, store


def test_a_rerun_keeps_the_stewards_corrections(sample_batch: Path, tmp_path: Path, home) -> None:
    url, document_id, store = _digitized(sample_batch, tmp_path, "hs03_giay_chung_nhan_dkdn.pdf")
    with session_scope(url) as s:
        doc = s.get(Document, document_id)
        read_issuer = doc.issuer
        # Stewards work the review queue only (probe II item 8): the record waits there.
        doc.status, doc.review_reasons = "needs_review", ["missing_fields"]
    corrected = {"issuer": "PHÒNG ĐĂNG KÝ KINH DOANH SỞ TÀI CHÍNH HÀ NỘI"}
    review.correct(document_id, "lan", corrected, "theo bản gốc", database_url=url)
    result = review.rerun_ocr(document_id, "lan", "đọc lại", store=store, database_url=url)
    assert result["kept_corrections"] == ["issuer"]
    with session_scope(url) as s:
        doc = s.get(Document, document_id)
        assert doc.issuer == "PHÒNG ĐĂNG KÝ KINH DOANH SỞ TÀI CHÍNH HÀ NỘI"
        assert doc.fields["issuer"]["source"] == "steward"
        assert doc.status == "needs_review"  # a corrected record is approved before reuse
    rerun = review.history(document_id, database_url=url)["results"][-1]
    assert rerun["action"] == "rerun_ocr"
    assert (
        rerun["after"]["ocr_fields"].get("issuer", {}).get("value") == read_issuer
    )  # the new reading, kept too


def test_an_owner_mismatch_is_resolved_by_relinking(sample_batch: Path, tmp_path: Path, home) -> None:
    url, document_id, _store = _digitized(sample_batch, tmp_path, "hs02_giay_khai_sinh.png")
    with session_scope(url) as s:
        doc = s.get(Document, document_id)
        doc.review_reasons, doc.status = ["owner_mismatch"], "needs_review"
        before_owner = doc.owner_id
    result = review.relink(document_id, "lan", "citizen", "001190012345", "giấy tờ của chị Hương",
                           database_url=url)  # fmt: skip
    with session_scope(url) as s:
        doc = s.get(Document, document_id)
        owner = s.get(Owner, doc.owner_id)
        assert owner.identifier == "001190012345" and doc.owner_id != before_owner
        assert "owner_mismatch" not in (doc.review_reasons or [])
        assert s.scalars(select(CaseDocument).where(CaseDocument.document_id == document_id)).all() == []
    assert result["owner"] == owner.id
    assert review.history(document_id, database_url=url)["results"][-1]["action"] == "relink"
