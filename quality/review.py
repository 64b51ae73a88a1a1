"""The review queue and the steward's actions on it: approve, correct fields, reject, re-run OCR.

The queue holds every document a stage flagged (status ``needs_review``) and every digitized document
of a type that is reused only once a steward approved it. Each action is recorded in ``review_action``
with who, when, and the values before and after, in the same transaction as the change itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ocr.identifiers import InvalidIdentifier, normalize_tax_code, parse_personal_id
from ocr.understand import FIELD_NAMES, document_types, find_date
from repository.catalog.db import session_scope
from repository.catalog.lifecycle import link_versions
from repository.catalog.models import (
    BatchItem,
    CaseFile,
    Document,
    DocumentStatus,
    Owner,
    ReviewAction,
    ReviewReason,
)
from repository.errors import (
    CONFLICT,
    INVALID,
    NOT_FOUND,
    DomainError,
)
from repository.identifiers import mask, masked_fields
from repository.storage import ObjectStore

DATE_FIELDS = ("date_of_birth", "issue_date", "valid_until")
COLUMNS = {"number": "number", "issuer": "issuer", "signer": "signer", "summary": "summary",
           "scope": "validity_scope"}  # fmt: skip


def _review_types() -> list[str]:
    return [code for code, kind in document_types().items() if kind.review]


def in_queue(doc: Document) -> bool:
    """Whether a document is waiting for a steward (what gives stewards a reason to open it)."""
    if doc.status == DocumentStatus.NEEDS_REVIEW:
        return True
    return doc.status == DocumentStatus.DIGITIZED and doc.doc_type_code in _review_types()


def _queue_filter():
    return or_(
        Document.status == DocumentStatus.NEEDS_REVIEW,
        and_(Document.status == DocumentStatus.DIGITIZED, Document.doc_type_code.in_(_review_types())),
    )


def review_queue(
    *, reason: str | None = None, limit: int = 50, offset: int = 0, database_url: str | None = None
) -> dict[str, Any]:
    """Oldest first. Owners appear by name and masked identifier: enough to judge a mismatch."""
    with session_scope(database_url) as session:
        documents = list(
            session.scalars(
                select(Document).where(_queue_filter()).order_by(Document.updated_at, Document.id)
            )
        )
        if reason:
            documents = [d for d in documents if reason in _reasons(d)]
        total = len(documents)
        page = documents[offset : offset + limit]
        owners = {
            o.id: o for o in session.scalars(select(Owner).where(Owner.id.in_({d.owner_id for d in page})))
        }
        cases = {
            c.id: c.case_code
            for c in session.scalars(
                select(CaseFile).where(CaseFile.id.in_({d.origin_case_id for d in page}))
            )
        }
        results = [_entry(d, owners[d.owner_id], cases.get(d.origin_case_id)) for d in page]
    return {"results": results, "total": total, "limit": limit, "offset": offset}


def _reasons(doc: Document) -> list[str]:
    if doc.status == DocumentStatus.DIGITIZED:
        return ["approval_required"]
    return list(doc.review_reasons or [])


def _entry(doc: Document, owner: Owner, case_code: str | None) -> dict[str, Any]:
    reasons = _reasons(doc)
    labels = ReviewReason.LABELS | {"approval_required": "Loại giấy tờ cần duyệt / type requires approval"}
    return {
        "document_id": doc.id,
        "status": doc.status,
        "type": doc.doc_type_code,
        "type_name": doc.doc_type_name,
        "type_confidence": doc.type_confidence,
        "reasons": reasons,
        "reason_labels": [labels.get(r, r) for r in reasons],
        "status_reason": doc.status_reason,
        "owner": {
            "key": owner.id,
            "kind": owner.kind,
            "name": owner.name,
            "identifier": mask(owner.identifier),
        },
        "case_code": case_code,
        "pages": doc.page_count,
        "confidence": {"mean": doc.mean_confidence, "lowest": doc.min_confidence},
        "fields": masked_fields(doc.fields),  # the queue is a list: no identifier in it whole
        "waiting_since": doc.updated_at.isoformat() if doc.updated_at else None,
    }


def _document(session: Session, document_id: str) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise DomainError(NOT_FOUND, "document_not_found", "Không tìm thấy giấy tờ / no such document")
    return doc


def _snapshot(doc: Document) -> dict[str, Any]:
    return {"status": doc.status, "status_reason": doc.status_reason, "review_reasons": doc.review_reasons}


def _record(session: Session, doc: Document, action: str, actor: str, before, after, note) -> None:
    if not (actor or "").strip():
        raise DomainError(INVALID, "actor_required", "Cần ghi rõ người thực hiện / who acts must be named")
    session.add(
        ReviewAction(
            document_id=doc.id, action=action, actor=actor.strip(), before=before, after=after, note=note
        )
    )


def approve(document_id: str, actor: str, note: str | None = None, database_url: str | None = None) -> dict:
    """The steward vouches for the record as it stands: it becomes reusable."""
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        if doc.status not in (DocumentStatus.NEEDS_REVIEW, DocumentStatus.DIGITIZED):
            raise DomainError(
                CONFLICT,
                "not_reviewable",
                f"Không thể duyệt giấy tờ ở trạng thái '{doc.status}' / cannot approve",
            )
        before = _snapshot(doc)
        doc.status, doc.status_reason, doc.review_reasons = DocumentStatus.APPROVED, None, []
        _record(session, doc, "approve", actor, before, _snapshot(doc), note)
        _sync_items(session, doc)
        return _snapshot(doc) | {"document_id": doc.id}


def reject(document_id: str, actor: str, reason: str, database_url: str | None = None) -> dict:
    """Never offered for reuse; the original stays in the store for inspection."""
    if not (reason or "").strip():
        raise DomainError(INVALID, "reason_required", "Cần nêu lý do từ chối / a reason is required")
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        if doc.status == DocumentStatus.REJECTED:
            raise DomainError(CONFLICT, "already_rejected", "Giấy tờ đã bị từ chối / already rejected")
        before = _snapshot(doc)
        doc.status, doc.status_reason = DocumentStatus.REJECTED, f"người kiểm tra từ chối: {reason.strip()}"
        _record(session, doc, "reject", actor, before, _snapshot(doc), reason.strip())
        _sync_items(session, doc)
        if doc.doc_type_code:
            session.flush()
            link_versions(session, doc.owner_id, doc.doc_type_code)  # a rejected version supersedes nothing
        return _snapshot(doc) | {"document_id": doc.id}


def correct(
    document_id: str, actor: str, values: dict[str, str | None], note: str | None = None,
    database_url: str | None = None,
) -> dict:  # fmt: skip
    """Set fields to what the steward read on the page (None removes a field); the record stays in
    review until approved, but reasons the correction resolved (missing fields) are cleared."""
    if not values:
        raise DomainError(INVALID, "no_fields", "Không có trường nào cần sửa / nothing to correct")
    clean = {name: _normalize(name, value) for name, value in values.items()}
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        if doc.status in (DocumentStatus.RECEIVED, DocumentStatus.FAILED):
            raise DomainError(CONFLICT, "not_read", "Giấy tờ chưa được đọc xong / document not read yet")
        fields = dict(doc.fields or {})
        before = {name: (fields.get(name) or {}).get("value") for name in clean}
        for name, value in clean.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = {
                    "value": value,
                    "confidence": 1.0,
                    "page": None,
                    "line": None,
                    "source": "steward",
                }
            _apply_column(doc, name, value)
        doc.fields = fields
        kind = document_types().get(doc.doc_type_code or "")
        missing = [n for n in (kind.required if kind else ()) if n not in fields]
        if not missing and ReviewReason.MISSING_FIELDS in (doc.review_reasons or []):
            doc.review_reasons = [r for r in doc.review_reasons if r != ReviewReason.MISSING_FIELDS]
        if doc.status in (DocumentStatus.DIGITIZED, DocumentStatus.APPROVED, DocumentStatus.EXPIRED):
            doc.status = DocumentStatus.NEEDS_REVIEW  # a changed record is approved again before reuse
            doc.status_reason = "đã sửa, chờ duyệt lại / corrected, awaiting approval"
        _record(session, doc, "correct", actor, before, clean, note)
        _sync_items(session, doc)
        if doc.doc_type_code and {"issue_date", "valid_until"} & clean.keys():
            session.flush()
            link_versions(session, doc.owner_id, doc.doc_type_code)
        return _snapshot(doc) | {"document_id": doc.id, "fields": {n: fields.get(n) for n in clean}}


def _normalize(name: str, value: str | None) -> str | None:
    if name not in FIELD_NAMES:
        raise DomainError(INVALID, "unknown_field", f"Không có trường '{name}' / unknown field")
    if value is None or not str(value).strip():
        return None
    value = " ".join(str(value).split())
    try:
        if name in DATE_FIELDS:
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                found = find_date(value)  # also 'ngày 5 tháng 3 năm 2024', '05/03/2024'
                if found is None:
                    raise ValueError from None
                return found.isoformat()
        if name == "personal_id":
            return parse_personal_id(value).value
        if name == "tax_code":
            return normalize_tax_code(value)
    except InvalidIdentifier as exc:
        raise DomainError(INVALID, "invalid_value", f"{name}: {exc}") from None
    except ValueError:
        raise DomainError(INVALID, "invalid_value", f"{name}: ngày không hợp lệ / not a date") from None
    return value


def _apply_column(doc: Document, name: str, value: str | None) -> None:
    if name in COLUMNS:
        setattr(doc, COLUMNS[name], value)
    elif name in ("issue_date", "valid_until"):
        setattr(doc, name, date.fromisoformat(value) if value else None)


def _sync_items(session: Session, doc: Document) -> None:
    """Batch items show their document's fate to the records staff who handed it over."""
    for item in session.scalars(select(BatchItem).where(BatchItem.document_id == doc.id)):
        item.status, item.reason = doc.status, doc.status_reason


def rerun_ocr(
    document_id: str, actor: str, note: str | None = None, *, store: ObjectStore | None = None,
    database_url: str | None = None,
) -> dict:  # fmt: skip
    """Read the stored original again (pages, OCR, understanding), e.g. after a better scan profile.

    Steward corrections are kept only in the action history: the new reading replaces the fields.
    """
    from repository.pipeline.process import process_item

    if not (actor or "").strip():
        raise DomainError(INVALID, "actor_required", "Cần ghi rõ người thực hiện / who acts must be named")
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        item_id = session.scalar(
            select(BatchItem.id)
            .where(BatchItem.document_id == doc.id)
            .order_by(BatchItem.updated_at.desc())
            .limit(1)
        )
        if item_id is None:
            raise DomainError(
                CONFLICT, "no_source", "Không tìm thấy lượt nhận của giấy tờ / no intake record"
            )
        before = _snapshot(doc) | {"mean_confidence": doc.mean_confidence, "fields": doc.fields}
        doc.status, doc.fields, doc.review_reasons = DocumentStatus.RECEIVED, None, None
    process_item(item_id, store=store, database_url=database_url)
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        after = _snapshot(doc) | {"mean_confidence": doc.mean_confidence, "fields": doc.fields}
        _record(session, doc, "rerun_ocr", actor, before, after, note)
        return _snapshot(doc) | {"document_id": doc.id}


def history(document_id: str, database_url: str | None = None) -> dict[str, Any]:
    with session_scope(database_url) as session:
        _document(session, document_id)
        actions = session.scalars(
            select(ReviewAction).where(ReviewAction.document_id == document_id).order_by(ReviewAction.id)
        )
        results = [
            {"action": a.action, "actor": a.actor, "at": a.acted_at.isoformat(), "before": a.before,
             "after": a.after, "note": a.note}
            for a in actions
        ]  # fmt: skip
    return {"results": results, "total": len(results)}


def queue_size(database_url: str | None = None) -> int:
    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(Document).where(_queue_filter())) or 0
