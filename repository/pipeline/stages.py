"""The per-document stages of digitization, callable with or without Airflow.

Order, as in paperless-ngx's consumer: check the input, store the original (content-addressed, so the
same bytes are stored once), link owner / case / document, then read pages and store renditions.
Each stage takes and returns an item id, so DAG tasks pass ids only. Each stage is idempotent: a
re-run skips what is done and never duplicates an object or a row.
"""

from __future__ import annotations

import json
import logging
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocr.document import read_document
from ocr.pages import CONTENT_TYPES, BadInput
from ocr.understand import document_types, understand
from repository.catalog.db import session_scope
from repository.catalog.lifecycle import link_versions
from repository.catalog.models import (
    Batch,
    BatchItem,
    CaseDocument,
    CaseFile,
    Document,
    DocumentKind,
    DocumentStatus,
    ItemStatus,
    LinkVia,
    Owner,
    Page,
    ReviewReason,
    utcnow,
)
from repository.catalog.procedures import procedures
from repository.catalog.search import index_pages
from repository.intake.preflight import check_input, page_limits, quarantine, sha256_file
from repository.pipeline.review_policy import (
    low_confidence_reason,
    record_fields,
    result_code,
    review_reasons,
)
from repository.settings import load_settings
from repository.storage import ObjectStore, keys, open_store

log = logging.getLogger(__name__)

DONE = (DocumentStatus.DIGITIZED, DocumentStatus.NEEDS_REVIEW, DocumentStatus.APPROVED)


class LinkConflict(Exception):
    """Linking would attach a document to the wrong person; the item is turned away instead."""


def _get_or_create(session: Session, model, lookup: dict, **defaults):
    """Select, else insert under a savepoint; a concurrent insert of the same row wins and is re-read."""
    row = session.scalar(select(model).filter_by(**lookup))
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**lookup, **defaults)
            session.add(row)
    except IntegrityError:
        row = session.scalar(select(model).filter_by(**lookup))
        if row is None:
            raise
    return row


def _reject(
    item_id: str,
    reason: str,
    database_url: str | None,
    quarantine_key: str | None = None,
    code: str = "refused",
) -> None:
    with session_scope(database_url) as session:
        item = session.get(BatchItem, item_id)
        item.status, item.reason, item.reason_code = ItemStatus.REJECTED, reason, code
        item.quarantine_key = quarantine_key
    log.warning("item %s rejected: %s", item_id, reason)


def store_original(item_id: str, store: ObjectStore | None = None, database_url: str | None = None) -> str:
    """Check the file, store it once by SHA-256, and link owner, case and document in the catalog."""
    with session_scope(database_url) as session:
        item = session.get(BatchItem, item_id)
        if item.status != ItemStatus.PENDING and item.document_id:
            return item_id  # stored by an earlier run
        batch = session.get(Batch, item.batch_id)
        path = Path(batch.inbox) / item.filename
    store = store or open_store()
    store.sweep_partial_writes()  # what a killed run left half-written is never an object
    try:
        fmt, page_count = check_input(path)
    except BadInput as exc:
        _reject(item_id, str(exc), database_url, quarantine(path, store), exc.code)
        return item_id
    except FileNotFoundError:
        _reject(item_id, "tệp đã bị xóa khỏi thư mục nhận / file vanished from the inbox", database_url,
                code="file_vanished")  # fmt: skip
        return item_id
    digest = sha256_file(path)
    key = keys.original_key(digest, fmt)
    if store.size(key) != path.stat().st_size:
        store.put_file(key, path, CONTENT_TYPES[fmt])
    try:
        with session_scope(database_url) as session:
            item = session.get(BatchItem, item_id)
            owner = _get_or_create(
                session,
                Owner,
                {"kind": item.owner_kind, "identifier": item.owner_identifier},
                name=item.owner_name,
            )
            if owner.name is None and item.owner_name:
                owner.name = item.owner_name
            procedure = procedures().get(item.procedure_code or "")
            case = _get_or_create(
                session,
                CaseFile,
                {"case_code": item.case_code},
                procedure_code=item.procedure_code,
                agency_code=item.agency_code,
                owner_id=owner.id,
                field=procedure.field if procedure else None,
            )
            if case.owner_id != owner.id:
                raise LinkConflict("mã hồ sơ đã gắn với chủ sở hữu khác / case code belongs to another owner")
            if item.agency_code and case.agency_code and case.agency_code != item.agency_code:
                raise LinkConflict("mã hồ sơ thuộc cơ quan khác / case code belongs to another agency")
            if item.kind == DocumentKind.RESULT and case.resolved_on is None:
                case.resolved_on = date.today()  # its result handed in: the case was resolved
            document = _get_or_create(
                session,
                Document,
                {"owner_id": owner.id, "sha256": digest},
                original_key=key,
                filename=Path(item.filename).name,
                content_type=CONTENT_TYPES[fmt],
                size_bytes=path.stat().st_size,
                kind=item.kind,
                origin_case_id=case.id,
                procedure_code=item.procedure_code,
                declared_type=item.declared_type,
                status=DocumentStatus.RECEIVED,
            )
            _get_or_create(
                session,
                CaseDocument,
                {"case_id": case.id, "document_id": document.id},
                role=item.kind,
                via=LinkVia.RESULT if item.kind == DocumentKind.RESULT else LinkVia.SUBMITTED,
                attached_by=load_settings().digitized_by,
            )
            item.document_id = document.id
            item.page_count = page_count
            item.status = ItemStatus.STORED if document.status not in DONE else document.status
            item.reason = None
    except LinkConflict as exc:
        _reject(item_id, str(exc), database_url, code="case_of_another_owner")
    return item_id


def read_pages(item_id: str, store: ObjectStore | None = None, database_url: str | None = None) -> str:
    """Pages -> text layer or OCR -> searchable PDF and text in the store -> page rows in the catalog."""
    with session_scope(database_url) as session:
        item = session.get(BatchItem, item_id)
        if item.status == ItemStatus.REJECTED or item.document_id is None:
            return item_id
        document = session.get(Document, item.document_id)
        if document.status in DONE:
            item.status, item.reason = document.status, document.status_reason
            return item_id
        document_id, original_key = document.id, document.original_key
        item.status = ItemStatus.READING  # what records staff see while pages are read
    store = store or open_store()
    try:
        with tempfile.TemporaryDirectory(prefix="sohoa-doc-") as tmp:
            local = Path(tmp, "original" + Path(original_key).suffix)
            store.download(original_key, local)  # the stored original is the source of truth
            reading = read_document(
                local, Path(tmp, "work"), workers=load_settings().ocr_workers, limits=page_limits()
            )
            store.put_file(keys.searchable_key(document_id), reading.searchable_pdf, "application/pdf")
            store.put_bytes(
                keys.text_key(document_id), reading.text.encode("utf-8"), "text/plain; charset=utf-8"
            )
            store.put_bytes(keys.ocr_key(document_id), _ocr_detail(reading), "application/json")
    except BadInput as exc:
        _fail(
            item_id,
            document_id,
            DocumentStatus.REJECTED,
            ItemStatus.REJECTED,
            str(exc),
            database_url,
            exc.code,
        )
        with session_scope(database_url) as session:
            session.get(BatchItem, item_id).quarantine_key = original_key  # kept, never offered
        return item_id
    except Exception:
        # What went wrong is for the log (ids only); staff read that the file will be read again.
        log.exception("document %s: reading failed", document_id)
        reason = "Lỗi khi đọc tệp; hệ thống sẽ đọc lại / reading failed, it will be retried"
        _fail(
            item_id,
            document_id,
            DocumentStatus.FAILED,
            ItemStatus.FAILED,
            reason,
            database_url,
            "processing_failed",
        )
        raise
    _record_reading(item_id, document_id, reading, database_url)
    log.info("document %s: %d pages", document_id, len(reading.pages))  # ids only: no names in logs
    return item_id


def _record_reading(item_id: str, document_id: str, reading, database_url: str | None) -> None:
    """The pages and renditions of a reading onto the catalog, in one transaction."""
    low = low_confidence_reason(reading.pages)
    with session_scope(database_url) as session:
        document = session.get(Document, document_id)
        session.execute(delete(Page).where(Page.document_id == document_id))
        session.add_all(
            Page(
                document_id=document_id,
                number=p.number,
                method=p.method,
                confidence=p.confidence,
                text=p.text,
                width_px=p.width_px,
                height_px=p.height_px,
                rotation=p.rotation,
                note=p.note,
                facts=p.facts or None,
            )
            for p in reading.pages
        )
        index_pages(session, document_id, [(p.number, p.text) for p in reading.pages])
        document.page_count = len(reading.pages)
        document.mean_confidence = reading.mean_confidence
        document.min_confidence = reading.min_confidence
        document.searchable_key = keys.searchable_key(document_id)
        document.text_key = keys.text_key(document_id)
        document.digitized_at = utcnow()
        document.digitized_by = load_settings().digitized_by
        # Final until the understand stage adds what it finds (and repeats this reason).
        document.status = DocumentStatus.NEEDS_REVIEW if low else DocumentStatus.DIGITIZED
        document.status_reason = low
        document.review_reasons = [ReviewReason.LOW_CONFIDENCE] if low else []
        item = session.get(BatchItem, item_id)
        item.status, item.reason = document.status, document.status_reason


def _ocr_detail(reading) -> bytes:
    pages = [
        {"number": p.number, "method": p.method, "confidence": p.confidence, "rotation": p.rotation,
         "note": p.note, "facts": p.facts, "lines": p.lines, "words": p.words, "box_size": p.box_size}
        for p in reading.pages
    ]  # fmt: skip
    return json.dumps({"pages": pages}, ensure_ascii=False).encode("utf-8")


def _fail(item_id, document_id, doc_status, item_status, reason, database_url, code: str) -> None:
    with session_scope(database_url) as session:
        document = session.get(Document, document_id)
        document.status, document.status_reason = doc_status, reason
        item = session.get(BatchItem, item_id)
        item.status, item.reason, item.reason_code = item_status, reason, code


def finish_batch(batch_id: str, database_url: str | None = None) -> None:
    with session_scope(database_url) as session:
        session.get(Batch, batch_id).finished_at = utcnow()


def understand_document(item_id: str, database_url: str | None = None) -> str:
    """Type, fields, validity, result code and owner check for the item's document (text only: cheap)."""
    with session_scope(database_url) as session:
        item = session.get(BatchItem, item_id)
        if item.status in (ItemStatus.REJECTED, ItemStatus.FAILED) or item.document_id is None:
            return item_id
        document = session.get(Document, item.document_id)
        if document.fields is not None or document.status not in DONE:
            item.status, item.reason = document.status, document.status_reason
            return item_id  # understood by an earlier run, or not read yet
        owner = session.get(Owner, document.owner_id)
        reading = understand(
            [(p.number, p.text, p.confidence) for p in document.pages],
            declared=document.declared_type or item.declared_type,
        )
        kind = document_types().get(reading.type or "")
        reasons, codes = review_reasons(reading, owner, document.pages)
        record_fields(document, reading, kind)
        if document.result_code is None:
            document.result_code = result_code(session, owner, kind, document)
        document.status = DocumentStatus.NEEDS_REVIEW if reasons else DocumentStatus.DIGITIZED
        document.status_reason = "; ".join(reasons) or None
        document.review_reasons = codes
        item.status, item.reason = document.status, document.status_reason
        if reading.type:
            session.flush()
            link_versions(session, owner.id, reading.type)
    return item_id


def issue_result_ecopy(
    item_id: str, store: ObjectStore | None = None, database_url: str | None = None
) -> str:
    """Every result goes back with its e-copy (Hà Nội: 100 %): signed by the agency of its case, made
    once. An agency with no signing certificate configured gets none (logged); the indicator
    ``result_ecopy_rate`` then shows it."""
    from repository.pipeline import ecopy
    from repository.security.signing import has_key

    with session_scope(database_url) as session:
        item = session.get(BatchItem, item_id)
        if item is None or item.document_id is None or item.kind != DocumentKind.RESULT:
            return item_id
        document = session.get(Document, item.document_id)
        if document.status not in (
            DocumentStatus.DIGITIZED,
            DocumentStatus.NEEDS_REVIEW,
            DocumentStatus.APPROVED,
        ):
            return item_id
        case = session.get(CaseFile, document.origin_case_id) if document.origin_case_id else None
        agency = case.agency_code if case else None
        if not has_key(agency):
            log.warning("result without e-copy: agency %s has no signing certificate", agency)
            return item_id
        ecopy.issue(session, store or open_store(), document, "sohoa-pipeline", agency=agency)
    return item_id
