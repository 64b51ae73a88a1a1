"""What a finished batch left in the catalog and the store, in a form two runs can be compared by.

Document ids are random per run, so everything is keyed by what does not change: a document by its
owner and SHA-256, a page by its document and number, an object by its key with the id replaced by
the document's digest. Timestamps are left out; statuses, fields, page texts and objects are kept.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from repository.catalog.db import session_scope
from repository.catalog.models import (
    Batch,
    BatchItem,
    CaseDocument,
    CaseFile,
    Document,
    Owner,
    Page,
)
from repository.pipeline.stages import DONE
from repository.security.audit import verify
from repository.storage import ObjectStore

DERIVED = ("/ocr.json", "/pages/")  # beside the renditions, rebuilt on demand: not records


@dataclass
class Snapshot:
    items: dict  # row number -> (status, reason code, document digest)
    documents: dict  # (owner, digest) -> (status, type, fields, result code, pages, review reasons)
    pages: dict  # (digest, number) -> (method, hash of the text)
    links: list  # (case code, digest, via) - as a sorted list, so a link made twice shows twice
    objects: set  # stored keys, ids replaced by digests
    orphans: list  # stored keys no row points to, and unfinished writes
    missing: list  # keys rows point to that are not stored
    audit_problems: list
    duplicated: int  # documents, pages or links that exist more than once

    def comparable(self) -> dict:
        return {k: getattr(self, k) for k in ("items", "documents", "pages", "links", "objects")}

    def digitized(self) -> int:
        return sum(1 for status, _code, digest in self.items.values() if status in DONE and digest)


def take(database_url: str, store: ObjectStore, batch_id: str | None = None) -> Snapshot:
    with session_scope(database_url) as session:
        if batch_id is None:
            batch_id = session.scalar(select(Batch.id).order_by(Batch.created_at.desc()).limit(1))
        digest = dict(session.execute(select(Document.id, Document.sha256)).all())
        owners = {o.id: f"{o.kind}:{o.identifier}" for o in session.scalars(select(Owner))}
        items = {
            i.row_number: (str(i.status), i.reason_code, digest.get(i.document_id))
            for i in session.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id))
        }
        documents, expected, pairs = {}, set(), Counter()
        for d in session.scalars(select(Document)):
            pairs[(d.owner_id, d.sha256)] += 1
            documents[(owners[d.owner_id], d.sha256)] = (
                str(d.status),
                d.doc_type_code,
                d.fields,
                d.result_code,
                d.page_count,
                sorted(d.review_reasons or []),
            )
            expected |= {k for k in (d.original_key, d.searchable_key, d.text_key) if k}
        pages = {
            (digest[p.document_id], p.number): (p.method, hashlib.sha256((p.text or "").encode()).hexdigest())
            for p in session.scalars(select(Page))
        }
        page_rows = session.scalar(select(func.count()).select_from(Page))
        links = sorted(
            (code, digest[doc], str(via))
            for code, doc, via in session.execute(
                select(CaseFile.case_code, CaseDocument.document_id, CaseDocument.via).join(
                    CaseFile, CaseFile.id == CaseDocument.case_id
                )
            )
        )
    stored = {k for prefix in ("originals/", "documents/") for k in store.list(prefix)}
    records = {k for k in stored if not any(mark in k for mark in DERIVED)}
    objects = set()
    for key in stored:
        parts = key.split("/")
        if parts[0] == "documents" and parts[1] in digest:
            parts[1] = digest[parts[1]]
        objects.add("/".join(parts))
    check = verify(database_url, store)
    duplicated = (
        sum(n - 1 for n in pairs.values()) + (page_rows - len(pages)) + (len(links) - len(set(links)))
    )
    return Snapshot(
        items=items,
        documents=documents,
        pages=pages,
        links=links,
        objects=objects,
        orphans=sorted((records - expected) | set(store.partial_writes())),
        missing=sorted(expected - stored),
        audit_problems=check.problems,
        duplicated=duplicated,
    )
