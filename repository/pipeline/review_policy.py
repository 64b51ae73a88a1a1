"""Review policy: why a document goes to a steward, which record columns its fields fill, and its
result code (mã kết quả số hóa). One place for each rule; the stages and the steward's rerun call it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.understand import DocumentType, Understanding, fold, owner_conflicts
from repository.catalog.models import Document, Owner, ReviewReason
from repository.settings import threshold


def low_confidence_reason(pages) -> str | None:
    """Why a document's OCR needs a steward's eye, or None (pages: anything with number, method,
    confidence)."""
    review_below = threshold("pages", "review_confidence")
    low = [p.number for p in pages if p.method == "ocr" and p.confidence < review_below]
    return f"độ tin cậy OCR thấp ở trang {', '.join(map(str, low))} / low OCR confidence" if low else None


def review_reasons(reading: Understanding, owner: Owner, pages) -> tuple[list[str], list[str]]:
    """What the steward reads (Vietnamese first) and the codes the queue and the reports count."""
    kind = reading.document_type
    reasons: list[str] = []  # what the steward reads
    codes: list[str] = []  # what the queue and the reports count
    if low := low_confidence_reason(pages):
        reasons.append(low)
        codes.append(ReviewReason.LOW_CONFIDENCE)
    if kind is None:
        reasons.append("không nhận ra loại giấy tờ / document type not recognized")
        codes.append(ReviewReason.TYPE_UNKNOWN)
    elif reading.type_confidence < threshold("understanding", "review_type_confidence"):
        reasons.append("loại giấy tờ chưa chắc chắn / uncertain document type")
        codes.append(ReviewReason.TYPE_UNCERTAIN)
    if reading.contradicted:
        reasons.append(
            f"loại khai báo '{reading.declared_type}' khác nội dung '{reading.type}'"
            " / declared type contradicted"
        )
        codes.append(ReviewReason.TYPE_CONTRADICTED)
    if reading.missing:
        reasons.append(f"thiếu trường bắt buộc / missing required fields: {', '.join(reading.missing)}")
        codes.append(ReviewReason.MISSING_FIELDS)
    if conflicts := owner_conflicts(reading, owner.kind, owner.identifier, owner.name):
        reasons += conflicts
        codes.append(ReviewReason.OWNER_MISMATCH)
    return reasons, codes


def record_fields(document: Document, reading: Understanding, kind: DocumentType | None) -> None:
    """The understood type and fields onto the record's columns (all fields stay in ``fields``)."""
    fields = reading.fields
    document.doc_type_code = reading.type
    document.doc_type_name = kind.name if kind else None
    document.type_confidence = reading.type_confidence
    document.fields = reading.as_json()["fields"] | (
        {"_declared_contradicted": reading.declared_type} if reading.contradicted else {}
    )
    document.number = _value(fields, "number")
    document.issue_date = _date_value(fields, "issue_date")
    document.issuer = _value(fields, "issuer")
    document.signer = _value(fields, "signer")
    document.summary = _value(fields, "summary")
    document.valid_until = _date_value(fields, "valid_until")
    document.validity_permanent = bool(kind and kind.validity in ("permanent", "until_replaced"))
    document.validity_scope = _value(fields, "scope")


def _value(fields, name: str) -> str | None:
    return fields[name].value if name in fields else None


def _date_value(fields, name: str) -> date | None:
    return date.fromisoformat(fields[name].value) if name in fields else None


def result_code(session: Session, owner: Owner, kind, document: Document) -> str:
    """Mã kết quả số hóa: owner identifier, document-type code, document number, sequence.

    Built the way public implementations of Circular 01/2023 build it; stored once, so re-runs keep it.
    """
    type_code = kind.document_code if kind else "GT.KHAC"
    number = document.number or document.sha256[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", fold(number)).strip("-").upper()
    base = f"{owner.identifier}.{type_code}.{slug or document.sha256[:8]}"
    sequence = 1
    while session.scalar(select(Document.id).where(Document.result_code == f"{base}.{sequence:02d}")):
        sequence += 1
    return f"{base}.{sequence:02d}"
