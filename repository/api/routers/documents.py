"""One document: its record and cases, and its files (original, searchable PDF, text)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from quality import review
from repository.api.common import iso, log_access
from repository.api.deps import Caller, DatabaseUrl, Store
from repository.catalog.db import in_read_scope, read_scope, session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, Page
from repository.errors import FORBIDDEN, GONE, NOT_FOUND, DomainError
from repository.pipeline import ecopy
from repository.security.access import bind_case, refuse_owner_in_doubt
from repository.security.auth import Principal
from repository.security.signing import has_key
from repository.storage import ObjectNotFound

router = APIRouter(prefix="/api/documents", tags=["giấy tờ / documents"])
PRESIGNED_TTL = timedelta(minutes=5)


def document_json(doc: Document, origin: CaseFile | None) -> dict[str, Any]:
    """A document as officers see it (a Document or a Core row of the document table)."""
    return {
        "id": doc.id,
        "result_code": doc.result_code,
        "type": doc.doc_type_code,
        "type_name": doc.doc_type_name,
        "type_confidence": doc.type_confidence,
        "kind": doc.kind,
        "number": doc.number,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else None,
        "issuer": doc.issuer,
        "signer": doc.signer,
        "summary": doc.summary,
        "validity": {
            "valid_until": doc.valid_until.isoformat() if doc.valid_until else None,
            "permanent": doc.validity_permanent,
            "scope": doc.validity_scope,
        },
        "status": doc.status,
        "status_reason": doc.status_reason,
        "confidence": {"mean": doc.mean_confidence, "lowest": doc.min_confidence},
        "fields": {k: v for k, v in (doc.fields or {}).items() if not k.startswith("_")},
        "pages": doc.page_count,
        "provenance": {
            "case_code": origin.case_code if origin else None,
            "procedure_code": doc.procedure_code,
            "digitized_by": doc.digitized_by,
            "digitized_at": iso(doc.digitized_at),
        },
        "supersedes": doc.supersedes_id,
    }


def original_bears(session: Session, document_id: str) -> dict[str, list[int]]:
    """What the paper original bears, page by page, as the OCR found it: the pages with a seal, with
    pen ink, and the pages found blank. A digitized record says its original was sealed."""
    found: dict[str, list[int]] = {"seal_pages": [], "pen_ink_pages": [], "blank_pages": []}
    rows = session.execute(
        select(Page.number, Page.facts).where(Page.document_id == document_id, Page.facts.is_not(None))
    )
    for number, facts in rows:
        for fact, key in (("seal", "seal_pages"), ("blue_ink", "pen_ink_pages"), ("blank", "blank_pages")):
            if facts.get(fact):
                found[key].append(number)
    return {key: sorted(numbers) for key, numbers in found.items()}


def origins(session: Session, documents) -> dict[str, CaseFile]:
    ids = {d.origin_case_id for d in documents if d.origin_case_id}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(CaseFile).where(CaseFile.id.in_(ids)))}


def may_read(session: Session, who: Principal, doc: Document, case: str | None) -> None:
    """Officers through a case of the owner; stewards only documents waiting in their queue."""
    if who.role == "officer":
        bind_case(session, who, case, doc.owner_id)
        refuse_owner_in_doubt(doc)
        return
    if who.role == "steward" and review.in_queue(doc):
        return
    raise DomainError(
        FORBIDDEN, "forbidden_role", f"Vai trò '{who.role}' không được xem giấy tờ này / not allowed"
    )


def readable(session: Session, who: Principal, document_id: str, case: str | None) -> Document:
    """The document, if this caller may read it through ``case`` (404 when there is none, else 403)."""
    doc = _found(session, document_id)
    may_read(session, who, doc, case)
    return doc


def _found(session: Session, document_id: str) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise DomainError(NOT_FOUND, "document_not_found", "Không tìm thấy giấy tờ / no such document")
    return doc


@router.get("/{document_id}")
async def document(document_id: str, who: Caller, database_url: DatabaseUrl, case: str | None = None) -> dict:
    def read(session: Session) -> dict:
        doc = readable(session, who, document_id, case)
        log_access(who, "read", session=session, case_code=case, document_id=doc.id, owner_id=doc.owner_id)
        cases = session.scalars(
            select(CaseFile.case_code).join(CaseDocument).where(CaseDocument.document_id == doc.id)
        ).all()
        return document_json(doc, origins(session, [doc]).get(doc.origin_case_id)) | {
            "cases": sorted(cases),
            "original_bears": original_bears(session, doc.id),
        }

    return await in_read_scope(database_url, read)


RENDITIONS = {"original": "original_key", "searchable": "searchable_key", "text": "text_key"}


@router.get("/{document_id}/file", response_model=None)
def document_file(
    document_id: str, who: Caller, database_url: DatabaseUrl, store: Store,
    rendition: Literal["original", "searchable", "text", "ecopy"] = "searchable", case: str | None = None,
) -> Any:  # fmt: skip
    """A 5-minute presigned URL on S3, a stream on the local backend; signed only after the check.

    ``ecopy``: the signed e-copy (bản sao điện tử), made once by the officer's agency and kept; a
    document corrected, superseded or revoked since gets a new one."""
    filename = None
    if rendition == "ecopy":
        with session_scope(database_url) as session:  # may write: the e-copy is made on first request
            doc = readable(session, who, document_id, case)
            made = ecopy.issue(session, store, doc, who.name, agency=_copying_agency(who, session, doc))
            log_access(who, "download", session=session, case_code=case, document_id=doc.id,
                       owner_id=doc.owner_id, detail={"rendition": rendition, "ecopy": made.id})  # fmt: skip
            key, media, filename = made.object_key, "application/pdf", ecopy.download_name(doc)
    else:
        with read_scope(database_url) as session:
            doc = readable(session, who, document_id, case)  # before any URL is signed
            log_access(who, "download", session=session, case_code=case, document_id=doc.id,
                       owner_id=doc.owner_id, detail={"rendition": rendition})  # fmt: skip
            key = getattr(doc, RENDITIONS[rendition])
            suffix = {"searchable": ".pdf", "text": ".txt"}.get(rendition) or "." + (key or ".bin").rsplit(
                ".", 1
            )[-1]
            filename = ecopy.download_name(doc, rendition, suffix)
            media = {"original": doc.content_type, "searchable": "application/pdf", "text": "text/plain"}[
                rendition
            ]
    if key is None:
        raise DomainError(
            NOT_FOUND, "rendition_missing", "Giấy tờ chưa có bản này / rendition not produced yet"
        )
    url = store.presigned_url(key, PRESIGNED_TTL)
    if url is not None:
        return {"url": url, "expires_in": int(PRESIGNED_TTL.total_seconds())}
    try:
        chunks = store.iter_chunks(key)
    except ObjectNotFound:
        raise DomainError(
            GONE, "object_missing", "Tệp không còn trong kho lưu trữ / object missing"
        ) from None
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(chunks, media_type=media or "application/octet-stream", headers=headers)


def _copying_agency(who: Principal, session: Session, doc: Document) -> str | None:
    """The agency that makes the copy: the officer's own when it has a signing key, else the agency
    of the case the document came in with (the repository's copy of what that agency received)."""
    if who.agency and has_key(who.agency):
        return who.agency
    case = session.get(CaseFile, doc.origin_case_id) if doc.origin_case_id else None
    return case.agency_code if case else who.agency
