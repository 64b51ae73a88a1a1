"""What the quality suites look at: tables built from the catalog and the object store.

The tables hold opaque ids, codes, numbers and flags only - never an identifier or a name - because
validation results (and the Data Docs built from them) show failing values to whoever reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select, true

from ocr.identifiers import InvalidIdentifier
from ocr.understand import document_types
from repository.catalog.db import session_scope
from repository.catalog.models import BatchItem, Document, DocumentStatus, Owner, Page, ReviewReason
from repository.identifiers import normalize_owner
from repository.reuse.rules import offered as is_offered
from repository.storage import ObjectStore

UNDERSTOOD = (DocumentStatus.DIGITIZED, DocumentStatus.NEEDS_REVIEW, DocumentStatus.APPROVED)
EARLIEST = date(1900, 1, 1)

ITEM_COLUMNS = ["item_id", "row_number", "status", "document_id"]
DOCUMENT_COLUMNS = [
    "document_id", "status", "understood", "doc_type", "type_confidence", "required_missing",
    "identifier_valid", "owner_mismatch", "offered", "sha256", "dates_sane", "expired_but_offered",
]  # fmt: skip
PAGE_COLUMNS = ["document_id", "page", "method", "confidence", "chars"]
OBJECT_COLUMNS = ["key", "expected", "present"]


@dataclass
class Tables:
    items: pd.DataFrame
    documents: pd.DataFrame
    pages: pd.DataFrame
    objects: pd.DataFrame


def collect(
    store: ObjectStore,
    *,
    batch_id: str | None = None,
    on: date | None = None,
    database_url: str | None = None,
) -> Tables:
    """Tables for one batch (``batch_id``) or, without it, the whole catalog (plus orphan objects)."""
    on = on or date.today()
    with session_scope(database_url) as session:
        if batch_id is not None:
            items = list(session.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id)))
            doc_ids = sorted({i.document_id for i in items if i.document_id})
            documents = _in_chunks(session, Document, Document.id, doc_ids)
        else:
            items = []
            documents = list(session.scalars(select(Document)))
        owners = {
            o.id: o for o in _in_chunks(session, Owner, Owner.id, sorted({d.owner_id for d in documents}))
        }
        pages = session.execute(
            select(Page.document_id, Page.number, Page.method, Page.confidence, Page.text).where(
                Page.document_id.in_([d.id for d in documents]) if batch_id is not None else true()
            )
        ).all()
        item_rows = [(i.id, i.row_number, i.status, i.document_id) for i in items]
        document_rows = [_document_row(d, owners[d.owner_id], on) for d in documents]
        expected = {k for d in documents for k in (d.original_key, d.searchable_key, d.text_key) if k}
    page_rows = [(d, n, m, c, len((t or "").strip())) for d, n, m, c, t in pages]
    if batch_id is None:
        # Everything under the prefixes the catalog writes: what no row points to is an orphan.
        stored = {k for prefix in ("originals/", "documents/") for k in store.list(prefix)}
        # OCR detail and cached page images sit beside the renditions: derived, not records.
        stored = {k for k in stored if not k.endswith("/ocr.json") and "/pages/" not in k}
        stored |= set(store.partial_writes())  # a write a killed process left unfinished is an orphan too
        object_rows = [(k, k in expected, k in stored) for k in sorted(expected | stored)]
    else:
        object_rows = [(k, True, store.exists(k)) for k in sorted(expected)]
    return Tables(
        items=pd.DataFrame(item_rows, columns=ITEM_COLUMNS),
        documents=pd.DataFrame(document_rows, columns=DOCUMENT_COLUMNS),
        pages=pd.DataFrame(page_rows, columns=PAGE_COLUMNS),
        objects=pd.DataFrame(object_rows, columns=OBJECT_COLUMNS),
    )


def _in_chunks(session, model, column, ids: list[str], size: int = 500) -> list:
    rows = []
    for start in range(0, len(ids), size):
        rows += session.scalars(select(model).where(column.in_(ids[start : start + size])))
    return rows


def _document_row(doc: Document, owner: Owner, on: date) -> tuple:
    kind = document_types().get(doc.doc_type_code or "")
    fields = doc.fields or {}
    understood = doc.status in UNDERSTOOD and doc.fields is not None
    missing = [n for n in (kind.required if kind else ()) if n not in fields] if understood else []
    offered = is_offered(doc.status, doc.doc_type_code)  # the reuse check's own rule
    return (
        doc.id,
        doc.status,
        understood,
        doc.doc_type_code or "unknown",
        float(doc.type_confidence) if doc.type_confidence is not None else 0.0,
        len(missing),
        _identifier_valid(owner),
        ReviewReason.OWNER_MISMATCH in (doc.review_reasons or []),
        offered,
        doc.sha256,
        _dates_sane(doc, fields, on),
        bool(offered and doc.valid_until is not None and doc.valid_until < on),
    )


def _identifier_valid(owner: Owner) -> bool:
    try:
        return normalize_owner(owner.kind, owner.identifier) == (owner.kind, owner.identifier)
    except InvalidIdentifier:
        return False


def _dates_sane(doc: Document, fields: dict, on: date) -> bool:
    """Issued in the past (not before 1900), valid after it was issued, holder born before issue."""
    issued = doc.issue_date
    if issued is not None and not (EARLIEST <= issued <= on):
        return False
    if issued is not None and doc.valid_until is not None and doc.valid_until < issued:
        return False
    born = (fields.get("date_of_birth") or {}).get("value")
    try:
        born_on = date.fromisoformat(born) if born else None
    except ValueError:
        return False
    return not (born_on and (born_on > on or (issued is not None and born_on > issued)))
