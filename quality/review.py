"""The review queue and the steward's actions on it: approve, correct fields, reject, re-run OCR.

The queue holds every document a stage flagged (status ``needs_review``) and every digitized document
of a type that is reused only once a steward approved it. Each action is recorded in ``review_action``
with who, when, and the values before and after, in the same transaction as the change itself.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ocr.identifiers import InvalidIdentifier, normalize_tax_code, parse_personal_id
from ocr.understand import FIELD_NAMES, document_types, find_date
from repository.catalog.db import session_scope
from repository.catalog.lifecycle import link_versions
from repository.catalog.models import (
    BatchItem,
    CaseDocument,
    CaseFile,
    Document,
    DocumentStatus,
    Owner,
    Page,
    ReviewAction,
    ReviewReason,
    utcnow,
)
from repository.errors import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    DomainError,
)
from repository.identifiers import mask, masked_fields
from repository.pipeline.review_policy import result_code
from repository.settings import threshold
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


def queue_filter():
    """The one definition of "in the queue" (the API, the review page and the report use it)."""
    return or_(
        Document.status == DocumentStatus.NEEDS_REVIEW,
        and_(Document.status == DocumentStatus.DIGITIZED, Document.doc_type_code.in_(_review_types())),
    )


def review_queue(
    *, reason: str | None = None, agency: str | None = None, type_code: str | None = None,
    older_than_days: float | None = None, limit: int = 50, offset: int = 0, database_url: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Oldest first, filtered by reason, agency, type or age; with the count per reason of what the
    other filters leave. Owners appear by name and masked identifier: enough to judge a mismatch."""
    with session_scope(database_url) as session:
        query = (
            select(Document, CaseFile.case_code, CaseFile.agency_code)
            .outerjoin(CaseFile, CaseFile.id == Document.origin_case_id)
            .where(queue_filter())
            .order_by(Document.updated_at, Document.id)
        )
        if agency:
            query = query.where(CaseFile.agency_code == agency)
        if type_code:
            query = query.where(Document.doc_type_code == type_code)
        if older_than_days:
            query = query.where(Document.updated_at <= utcnow() - timedelta(days=older_than_days))
        rows = session.execute(query).all()
        counts = Counter(r for d, _c, _a in rows for r in queue_reasons(d))
        if reason:
            rows = [row for row in rows if reason in queue_reasons(row[0])]
        page = rows[offset : offset + limit]
        owners = {
            o.id: o
            for o in session.scalars(select(Owner).where(Owner.id.in_({d.owner_id for d, _c, _a in page})))
        }
        results = [
            _entry(d, owners[d.owner_id], case) | {"agency": agency_code} for d, case, agency_code in page
        ]
    labels = reason_labels()
    per_reason = [{"reason": r, "label": labels.get(r, r), "count": n} for r, n in counts.most_common()]
    return {"results": results, "total": len(rows), "limit": limit, "offset": offset, "counts": per_reason}


def reason_labels() -> dict[str, str]:
    return ReviewReason.LABELS | {APPROVAL_REQUIRED: "Loại giấy tờ cần duyệt / type requires approval"}


APPROVAL_REQUIRED = "approval_required"


def queue_reasons(doc: Document) -> list[str]:
    """Why a document waits: the stages' reason codes, or its type needing a steward's approval."""
    if doc.status == DocumentStatus.DIGITIZED:
        return [APPROVAL_REQUIRED]
    return list(doc.review_reasons or []) or [APPROVAL_REQUIRED]


def _entry(doc: Document, owner: Owner, case_code: str | None) -> dict[str, Any]:
    reasons = queue_reasons(doc)
    labels = reason_labels()
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


def _document(
    session: Session, document_id: str, *, queued: bool = True, also: tuple[str, ...] = ()
) -> Document:
    """The document a steward acts on or reads: only one waiting in the review queue (or in one of
    the statuses ``also`` names). A steward has no reason to open any other citizen's record (a
    correction once opened a digitized one)."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise DomainError(NOT_FOUND, "document_not_found", "Không tìm thấy giấy tờ / no such document")
    if queued and not in_queue(doc) and doc.status not in also:
        raise DomainError(
            # A decided record (approved, rejected) is a conflict; any other is none of the steward's.
            CONFLICT if doc.status in (DocumentStatus.APPROVED, DocumentStatus.REJECTED) else FORBIDDEN,
            "not_in_queue",
            "Giấy tờ không nằm trong hàng đợi kiểm tra; người kiểm tra chỉ làm việc trên hàng đợi"
            " / not in the review queue",
        )
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


def approve(
    document_id: str, actor: str, note: str | None = None, database_url: str | None = None, *,
    confirm: bool = False,
) -> dict:  # fmt: skip
    """The steward vouches for the record as it stands: it becomes reusable. A record with required
    fields missing or pages read below the review confidence is approved only with an explicit
    confirmation and a note saying why (both kept in the history)."""
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        if doc.status not in (DocumentStatus.NEEDS_REVIEW, DocumentStatus.DIGITIZED):
            raise DomainError(
                CONFLICT,
                "not_reviewable",
                f"Không thể duyệt giấy tờ ở trạng thái '{doc.status}' / cannot approve",
            )
        doubts = approval_doubts(session, doc)
        if doubts and not confirm:
            message = "Cần xác nhận và ghi chú để duyệt: " + "; ".join(doubts) + " / confirm with a note"
            raise DomainError(CONFLICT, "confirmation_required", message)
        if doubts and not (note or "").strip():
            raise DomainError(INVALID, "note_required", "Cần ghi chú lý do duyệt dù " + "; ".join(doubts))
        before = _snapshot(doc)
        doc.status, doc.status_reason, doc.review_reasons = DocumentStatus.APPROVED, None, []
        after = _snapshot(doc) | ({"confirmed_despite": doubts} if doubts else {})
        _record(session, doc, "approve", actor, before, after, note)
        _sync_items(session, doc)
        return _snapshot(doc) | {"document_id": doc.id}


def approval_doubts(session: Session, doc: Document) -> list[str]:
    """What should stop a steward from approving without a second thought (Vietnamese)."""
    doubts = []
    kind = document_types().get(doc.doc_type_code or "")
    missing = [n for n in (kind.required if kind else ()) if n not in (doc.fields or {})]
    if kind is None:
        doubts.append("chưa rõ loại giấy tờ")
    if missing:
        doubts.append("thiếu trường bắt buộc " + ", ".join(FIELD_LABELS.get(n, n) for n in missing))
    low = session.scalars(
        select(Page.number).where(
            Page.document_id == doc.id,
            Page.method == "ocr",
            Page.confidence < threshold("pages", "review_confidence"),
        )
    ).all()
    if low:
        doubts.append("độ tin cậy OCR thấp ở trang " + ", ".join(map(str, low)))
    if ReviewReason.OWNER_MISMATCH in (doc.review_reasons or []):
        doubts.append("chủ sở hữu chưa khớp")
    return doubts


# Steward actions as the history shows them.
ACTION_LABELS = {
    "approve": "Duyệt", "reject": "Từ chối", "correct": "Sửa trường", "rerun_ocr": "Đọc lại (OCR)",
    "change_type": "Đổi loại giấy tờ", "relink": "Chuyển chủ sở hữu",
}  # fmt: skip

# Field names as stewards read them.
FIELD_LABELS = {
    "personal_id": "Số định danh", "tax_code": "Mã số thuế", "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh", "number": "Số, ký hiệu", "issue_date": "Ngày cấp / ban hành",
    "issuer": "Cơ quan cấp / ban hành", "signer": "Người ký", "summary": "Trích yếu",
    "valid_until": "Hiệu lực đến", "scope": "Phạm vi sử dụng", "recipients": "Nơi nhận",
    "sex": "Giới tính", "nationality": "Quốc tịch", "place_of_origin": "Quê quán",
    "place_of_residence": "Nơi thường trú",
}  # fmt: skip


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


def normalize_field(name: str, value: str | None) -> str | None:
    """A field's value as the record keeps it (dates ISO, identifiers canonical); raises DomainError."""
    return _normalize(name, value)


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

    What a steward corrected wins over the new reading (fields and type); the history keeps both the
    new OCR values and the corrections kept.
    """
    from repository.pipeline.process import process_item

    if not (actor or "").strip():
        raise DomainError(INVALID, "actor_required", "Cần ghi rõ người thực hiện / who acts must be named")
    with session_scope(database_url) as session:
        # A record the steward approved may be read again (a better scan profile); it then waits again.
        doc = _document(session, document_id, also=(DocumentStatus.APPROVED,))
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
        corrected = {
            n: f
            for n, f in (doc.fields or {}).items()
            if isinstance(f, dict) and f.get("source") == "steward"
        }
        steward_type = (doc.fields or {}).get(STEWARD_TYPE)
        doc.status, doc.fields, doc.review_reasons = DocumentStatus.RECEIVED, None, None
    process_item(item_id, store=store, database_url=database_url)
    with session_scope(database_url) as session:
        doc = _document(session, document_id, queued=False)  # read again: it may have left the queue
        read = dict(doc.fields or {})
        if corrected or steward_type:
            _keep_corrections(doc, corrected, steward_type)
        kept = sorted(corrected) + ([STEWARD_TYPE] if steward_type else [])
        after = _snapshot(doc) | {
            "mean_confidence": doc.mean_confidence,
            "ocr_fields": read,
            "kept_corrections": kept,
        }
        _record(session, doc, "rerun_ocr", actor, before, after, note)
        _sync_items(session, doc)
        return _snapshot(doc) | {"document_id": doc.id, "kept_corrections": kept}


STEWARD_TYPE = "_type_by_steward"  # a type the steward set, kept across rereads


def _keep_corrections(doc: Document, corrected: dict, steward_type: str | None) -> None:
    fields = dict(doc.fields or {})
    if steward_type:
        kind = document_types().get(steward_type)
        doc.doc_type_code, doc.doc_type_name = steward_type, kind.name if kind else None
        fields[STEWARD_TYPE] = steward_type
    for name, field in corrected.items():
        fields[name] = field
        _apply_column(doc, name, field.get("value"))
    doc.fields = fields
    kind = document_types().get(doc.doc_type_code or "")
    if not [n for n in (kind.required if kind else ()) if n not in fields]:
        doc.review_reasons = [r for r in (doc.review_reasons or []) if r != ReviewReason.MISSING_FIELDS]
    if doc.status == DocumentStatus.DIGITIZED and (kind is None or kind.review or corrected):
        doc.status = DocumentStatus.NEEDS_REVIEW  # corrected records are approved before reuse
        doc.status_reason = "đã sửa, chờ duyệt lại / corrected, awaiting approval"


def change_type(document_id: str, actor: str, type_code: str, note: str | None = None,
                database_url: str | None = None) -> dict:  # fmt: skip
    """The steward says what the document is; its fields are then checked against that type."""
    kind = document_types().get(type_code)
    if kind is None:
        raise DomainError(INVALID, "unknown_type", f"Không có loại giấy tờ '{type_code}' / unknown type")
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        before = _snapshot(doc) | {"type": doc.doc_type_code}
        doc.doc_type_code, doc.doc_type_name = kind.code, kind.name
        doc.fields = dict(doc.fields or {}) | {STEWARD_TYPE: kind.code}
        reasons = [r for r in (doc.review_reasons or []) if r not in TYPE_REASONS]
        if [n for n in kind.required if n not in doc.fields]:
            reasons = sorted(set(reasons) | {ReviewReason.MISSING_FIELDS})
        else:
            reasons = [r for r in reasons if r != ReviewReason.MISSING_FIELDS]
        doc.review_reasons = reasons
        if doc.status in (DocumentStatus.DIGITIZED, DocumentStatus.APPROVED):
            doc.status = DocumentStatus.NEEDS_REVIEW
        doc.status_reason = "đã đổi loại, chờ duyệt / type changed, awaiting approval"
        _record(session, doc, "change_type", actor, before, _snapshot(doc) | {"type": kind.code}, note)
        _sync_items(session, doc)
        session.flush()
        link_versions(session, doc.owner_id, kind.code)
        return _snapshot(doc) | {"document_id": doc.id, "type": kind.code}


TYPE_REASONS = (ReviewReason.TYPE_UNKNOWN, ReviewReason.TYPE_UNCERTAIN, ReviewReason.TYPE_CONTRADICTED)


def relink(document_id: str, actor: str, owner_kind: str, owner_identifier: str, note: str | None = None,
           database_url: str | None = None) -> dict:  # fmt: skip
    """Resolve an owner mismatch: the document is the person's printed on it, not the manifest's. It
    moves to that owner's repository (created if new) and leaves the cases of the other owner."""
    from repository.identifiers import InvalidIdentifier, normalize_owner

    try:
        kind, identifier = normalize_owner(owner_kind, owner_identifier)
    except InvalidIdentifier as exc:
        raise DomainError(INVALID, "invalid_identifier", str(exc)) from None
    with session_scope(database_url) as session:
        doc = _document(session, document_id)
        owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
        if owner is None:
            owner = Owner(
                kind=kind, identifier=identifier, name=(doc.fields or {}).get("full_name", {}).get("value")
            )
            session.add(owner)
            session.flush()
        before = _snapshot(doc) | {"owner": doc.owner_id}
        for link in session.scalars(select(CaseDocument).join(CaseFile).where(
            CaseDocument.document_id == doc.id, CaseFile.owner_id != owner.id
        )).all():  # fmt: skip
            session.delete(link)
        doc.owner_id = owner.id
        doc.review_reasons = [r for r in (doc.review_reasons or []) if r != ReviewReason.OWNER_MISMATCH]
        # Back to review until approved: the new owner's reuse check must not see it at once; and its
        # result code is built again from the new owner's identifier.
        doc.status = DocumentStatus.NEEDS_REVIEW
        doc.status_reason = "đã chuyển sang đúng chủ sở hữu, chờ duyệt / re-linked, awaiting approval"
        doc.result_code = None
        session.flush()
        doc.result_code = result_code(session, owner, document_types().get(doc.doc_type_code or ""), doc)
        _record(session, doc, "relink", actor, before, _snapshot(doc) | {"owner": owner.id}, note)
        _sync_items(session, doc)
        return _snapshot(doc) | {"document_id": doc.id, "owner": owner.id}


def history(document_id: str, database_url: str | None = None) -> dict[str, Any]:
    with session_scope(database_url) as session:
        # The queue's documents, and those a steward has decided (their history is the steward's own).
        _document(session, document_id, also=(DocumentStatus.APPROVED, DocumentStatus.REJECTED))
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
        return session.scalar(select(func.count()).select_from(Document).where(queue_filter())) or 0
