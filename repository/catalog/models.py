"""The catalog schema: owners, case files, documents, pages, and the batches that brought them in.

One schema for SQLite (embedded default) and PostgreSQL (production), migrated with alembic
(``repository/migrations``). A document carries the fields of a digitized record (Circular
01/2023/TT-VPCP, see DOMAIN.md) even where later stages fill them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class OwnerKind:
    CITIZEN = "citizen"
    ORGANIZATION = "organization"
    ALL = (CITIZEN, ORGANIZATION)


class DocumentKind:
    COMPONENT = "component"  # thành phần hồ sơ
    RESULT = "result"  # kết quả giải quyết
    ALL = (COMPONENT, RESULT)


class LinkVia:
    """How a document came to a case: what the service indicators count."""

    SUBMITTED = "submitted"  # handed in with the application
    REUSE = "reuse"  # attached from the applicant's repository instead of being brought again
    RESULT = "result"  # the case's result


class DocumentStatus:
    RECEIVED = "received"  # original stored, pages not read yet
    DIGITIZED = "digitized"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"
    EXPIRED = "expired"  # past its validity: kept, never offered for reuse


class ItemStatus:
    PENDING = "pending"
    STORED = "stored"
    READING = "reading"  # pages being read (text layer or OCR)
    DIGITIZED = "digitized"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"  # bad input: never processed, reason given
    FAILED = "failed"  # our side failed: original kept, can be re-run


class PageMethod:
    TEXT = "text"  # born-digital text layer
    OCR = "ocr"


class Owner(Base):
    """A citizen (personal ID) or an organization (tax code) whose repository holds documents.

    ``id`` is an opaque key: it, never the identifier, is what appears in URLs, logs and object keys.
    """

    __tablename__ = "owner"
    __table_args__ = (UniqueConstraint("kind", "identifier", name="uq_owner_kind_identifier"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    identifier: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="owner")


class CaseFile(Base):
    """A case file (hồ sơ) of one administrative procedure, identified by the portal's case code."""

    __tablename__ = "case_file"
    # Cases nobody counted reusable documents for (from a manifest or the one-stop system): the
    # indicators compute those one by one, and find them without reading the month's other cases.
    __table_args__ = (
        Index(
            "ix_case_file_on_file_unknown",
            "received_on",
            postgresql_where=text("reusable_on_file IS NULL"),
            sqlite_where=text("reusable_on_file IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(64))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[str] = mapped_column(ForeignKey("owner.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    field: Mapped[str | None] = mapped_column(String(128))  # lĩnh vực of the procedure
    received_on: Mapped[date | None] = mapped_column(Date, default=date.today, index=True)
    resolved_on: Mapped[date | None] = mapped_column(Date, index=True)  # its result issued
    # Requirements of the procedure the repository could serve when the case was received.
    reusable_on_file: Mapped[int | None] = mapped_column(Integer)
    # What its documents say, kept current by repository.catalog.case_facts (None: not computed yet).
    components: Mapped[int | None] = mapped_column(Integer)
    components_digitized: Mapped[int | None] = mapped_column(Integer)
    last_digitized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ecopy: Mapped[bool | None] = mapped_column(Boolean)
    reused_requirements: Mapped[int | None] = mapped_column(Integer)
    # Opened by mistake at the counter (a typo in the case code or identifier): kept, on record, out of
    # the indicators and closed to reading the owner's data.
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(String(128))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    owner: Mapped[Owner] = relationship()
    links: Mapped[list[CaseDocument]] = relationship(back_populates="case_file")


class Document(Base):
    """A digitized record. The same bytes for the same owner are one document, linked to many cases."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("owner_id", "sha256", name="uq_document_owner_sha256"),
        Index("ix_document_owner_type", "owner_id", "doc_type_code"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("owner.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    result_code: Mapped[str | None] = mapped_column(String(96), unique=True)  # mã kết quả số hóa
    doc_type_code: Mapped[str | None] = mapped_column(String(64))  # mã giấy tờ
    doc_type_name: Mapped[str | None] = mapped_column(String(255))  # tên giấy tờ
    declared_type: Mapped[str | None] = mapped_column(String(64))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    number: Mapped[str | None] = mapped_column(String(128))  # số ký hiệu
    issue_date: Mapped[date | None] = mapped_column(Date)  # ngày ban hành
    issuer: Mapped[str | None] = mapped_column(String(255))  # cơ quan ban hành
    signer: Mapped[str | None] = mapped_column(String(255))  # người ký
    summary: Mapped[str | None] = mapped_column(Text)  # trích yếu nội dung
    valid_until: Mapped[date | None] = mapped_column(Date)  # thời hạn hiệu lực
    validity_permanent: Mapped[bool | None] = mapped_column(Boolean)  # vĩnh viễn
    validity_scope: Mapped[str | None] = mapped_column(String(255))  # phạm vi hiệu lực
    kind: Mapped[str] = mapped_column(String(16), default=DocumentKind.COMPONENT)
    origin_case_id: Mapped[str | None] = mapped_column(ForeignKey("case_file.id"))
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    digitized_by: Mapped[str | None] = mapped_column(String(128))  # người số hóa
    digitized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # thời gian số hóa
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    original_key: Mapped[str] = mapped_column(String(255))
    searchable_key: Mapped[str | None] = mapped_column(String(255))
    text_key: Mapped[str | None] = mapped_column(String(255))
    page_count: Mapped[int | None] = mapped_column(Integer)
    mean_confidence: Mapped[float | None] = mapped_column(Float)
    min_confidence: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.RECEIVED, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Why a stage flagged the document (REVIEW_REASONS codes): what the review queue and reports count.
    review_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"))
    # The document's current e-copy (bản sao điện tử), signed by the copying agency; None until one
    # is made, and again when what it certified has changed (a new one is then made on request).
    ecopy_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    owner: Mapped[Owner] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )


class CaseDocument(Base):
    """A document attached to a case: a link, never a copy."""

    __tablename__ = "case_document"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default=DocumentKind.COMPONENT)
    attached_by: Mapped[str | None] = mapped_column(String(128))
    attached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    via: Mapped[str | None] = mapped_column(String(16))  # LinkVia: how the document came to the case

    case_file: Mapped[CaseFile] = relationship(back_populates="links")
    document: Mapped[Document] = relationship()


class Page(Base):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_page_document_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    width_px: Mapped[int | None] = mapped_column(Integer)
    height_px: Mapped[int | None] = mapped_column(Integer)
    rotation: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)  # why this method (e.g. garbage text layer)
    # What the original page bears, found by the OCR: {"seal": 1, "blue_ink": true, "blank": "..."}.
    # None is stored as SQL NULL (not JSON null), so pages with facts are found by IS NOT NULL.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    document: Mapped[Document] = relationship(back_populates="pages")


class Batch(Base):
    """What records staff handed over in one go: an inbox with its manifest. Re-running it reuses it."""

    __tablename__ = "batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of inbox path + manifest
    inbox: Mapped[str] = mapped_column(Text)
    manifest_name: Mapped[str] = mapped_column(String(255))
    last_run_id: Mapped[str | None] = mapped_column(String(255), index=True)
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the batch as a whole was refused (its manifest unreadable): the reason staff see.
    reason: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[BatchItem]] = relationship(back_populates="batch", order_by="BatchItem.row_number")


class BatchItem(Base):
    """One manifest row and its fate: where it is in the pipeline, or why it was turned away."""

    __tablename__ = "batch_item"
    __table_args__ = (UniqueConstraint("batch_id", "row_number", name="uq_batch_item_row"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batch.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(Text)
    case_code: Mapped[str | None] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    owner_kind: Mapped[str | None] = mapped_column(String(16))
    owner_identifier: Mapped[str | None] = mapped_column(String(20))
    owner_name: Mapped[str | None] = mapped_column(String(255))
    declared_type: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(String(64))  # stable, beside the Vietnamese reason
    # Where a turned-away file is kept for inspection (content-addressed, like originals).
    quarantine_key: Mapped[str | None] = mapped_column(String(255))
    page_count: Mapped[int | None] = mapped_column(Integer)  # pages found at intake
    document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="items")
    document: Mapped[Document | None] = relationship()


class ReviewReason:
    """Why a document waits in the review queue; stable codes for API clients and reports."""

    LOW_CONFIDENCE = "low_confidence"
    TYPE_UNKNOWN = "type_unknown"
    TYPE_UNCERTAIN = "type_uncertain"
    TYPE_CONTRADICTED = "type_contradicted"
    MISSING_FIELDS = "missing_fields"
    OWNER_MISMATCH = "owner_mismatch"
    LABELS = {
        LOW_CONFIDENCE: "Độ tin cậy OCR thấp / low OCR confidence",
        TYPE_UNKNOWN: "Không nhận ra loại giấy tờ / type not recognized",
        TYPE_UNCERTAIN: "Loại giấy tờ chưa chắc chắn / uncertain type",
        TYPE_CONTRADICTED: "Loại khai báo khác nội dung / declared type contradicted",
        MISSING_FIELDS: "Thiếu trường bắt buộc / missing required fields",
        OWNER_MISMATCH: "Chủ sở hữu không khớp / owner mismatch",
    }


class Ecopy(Base):
    """An e-copy the repository issued: its bytes' SHA-256 (what a verifier looks up), who signed it
    for which agency and when, and what of the document it certified. Kept after it is replaced, so
    an old copy verifies as no longer current instead of as unknown."""

    __tablename__ = "ecopy"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    object_key: Mapped[str] = mapped_column(String(255))
    agency_code: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(16), default="SAO Y")
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signed_by: Mapped[str | None] = mapped_column(String(128))  # who asked for it (or the pipeline)
    certified: Mapped[str] = mapped_column(String(64))  # fingerprint of the record it copied
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewAction(Base):
    """A steward's action on a document: who, when, and the values before and after. Append-only."""

    __tablename__ = "review_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # approve | correct | reject | rerun_ocr
    actor: Mapped[str] = mapped_column(String(128))
    acted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class QualityRun(Base):
    """One run of the quality suites over a batch or the whole catalog, and what it found."""

    __tablename__ = "quality_run"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16))  # batch | catalog
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batch.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    critical_failures: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    report_key: Mapped[str | None] = mapped_column(String(255))


class UserAccount(Base):
    """Someone who uses the repository: records staff, officer, steward or admin of one agency."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token, stored as its SHA-256 only; expiring and revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """One access to citizens' data, chained to the previous event by hash (see repository.security.audit)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    case_code: Mapped[str | None] = mapped_column(String(64))
    document_id: Mapped[str | None] = mapped_column(String(36))
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's length and last hash: cutting off the newest events is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
