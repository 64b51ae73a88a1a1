"""A case's links to documents: attach one the applicant's repository already holds, detach it, and
what the case's procedure still lacks; a case opened by mistake corrected or cancelled. Used by the
API and the officer's counter alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ocr.understand import document_types
from repository.catalog.models import CaseDocument, CaseFile, Document, DocumentKind, LinkVia, Owner, utcnow
from repository.catalog.procedures import procedures
from repository.errors import CONFLICT, INVALID, DomainError

REASON_MAX = 500


def reason_given(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise DomainError(INVALID, "reason_required", "Ghi lý do (ít nhất 5 ký tự) / a reason is required")
    return reason[:REASON_MAX]


def owner_for(session: Session, kind: str, identifier: str, name: str = "") -> tuple[Owner, bool]:
    """The owner of a canonical identifier, added (with the name given) when nothing is on file;
    returns it and whether it was added."""
    owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
    if owner is not None:
        return owner, False
    owner = Owner(kind=kind, identifier=identifier, name=name.strip() or None)
    session.add(owner)
    session.flush()
    return owner, True


def change_applicant(session: Session, case: CaseFile, owner: Owner) -> list[str]:
    """The case was opened under a mistyped identifier: it becomes the right applicant's. Only while it
    holds nothing but documents an officer attached from the repository (those were the wrong
    person's and are detached; returns their ids): documents handed in under the case belong to whom
    they name, and a steward moves those. The earlier owner is forgotten if nothing else is theirs."""
    if case.cancelled_at is not None:
        raise DomainError(CONFLICT, "case_cancelled", "Hồ sơ đã hủy / the case was cancelled")
    links = session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)).all()
    if any(link.via != LinkVia.REUSE for link in links):
        raise DomainError(
            CONFLICT,
            "case_has_documents",
            "Hồ sơ đã có giấy tờ nộp kèm hoặc kết quả: không đổi người nộp ở quầy được; "
            "đề nghị cán bộ quản lý dữ liệu chuyển chủ sở hữu các giấy tờ đó",
        )
    detached = [link.document_id for link in links]
    for link in links:
        session.delete(link)
    earlier = case.owner_id
    case.owner_id = owner.id
    session.flush()
    forget_if_unused(session, earlier)
    return detached


def cancel(session: Session, case: CaseFile, by: str, reason: str) -> None:
    """A case opened by mistake: kept on record (who, when, why), closed to reading the owner's data,
    out of the indicators. Officer-attached links go; a case with documents handed in stays open."""
    if case.cancelled_at is not None:
        return
    reason = reason_given(reason)
    links = session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)).all()
    if any(link.via != LinkVia.REUSE for link in links):
        raise DomainError(
            CONFLICT,
            "case_has_documents",
            "Hồ sơ đã có giấy tờ nộp kèm hoặc kết quả đã số hóa: không hủy được ở quầy",
        )
    for link in links:
        session.delete(link)
    case.cancelled_at, case.cancelled_by, case.cancel_reason = utcnow(), by, reason
    session.flush()
    forget_if_unused(session, case.owner_id, but=case.id)


def forget_if_unused(session: Session, owner_id: str, but: str | None = None) -> bool:
    """An applicant created by a typo holds nothing: no documents, no live case. Their record (a
    name and an identifier) has no purpose left and is deleted (Decree 13: data kept only for a
    purpose). A cancelled case keeps its owner key for the record; the identifier goes."""
    has_documents = session.scalar(select(exists().where(Document.owner_id == owner_id)))
    cases = session.scalars(select(CaseFile).where(CaseFile.owner_id == owner_id)).all()
    if has_documents or any(c.cancelled_at is None and c.id != but for c in cases):
        return False
    owner = session.get(Owner, owner_id)
    if owner is None:
        return False
    if cases:  # cancelled cases still name the key: keep the row, drop what identifies the person
        owner.identifier, owner.name = f"-{owner.id[:18]}", None
    else:
        session.delete(owner)
    session.flush()
    return True


def attach(
    session: Session,
    case: CaseFile,
    document: Document,
    by: str,
    role: str = DocumentKind.COMPONENT,
    via: str = LinkVia.REUSE,
) -> tuple[CaseDocument, bool]:
    """Link ``document`` to ``case`` (a link, never a copy); returns the link and whether it is new.
    The caller has checked that both belong to the same owner (purpose binding)."""
    link = session.get(CaseDocument, (case.id, document.id))
    if link is not None:
        return link, False
    link = CaseDocument(
        case_id=case.id, document_id=document.id, role=role, attached_by=by, attached_at=utcnow(), via=via
    )
    session.add(link)
    session.flush()
    return link, True


def detach(session: Session, case: CaseFile, document_id: str) -> bool:
    """Remove a link an officer made (the document stays in the repository); False when none."""
    link = session.get(CaseDocument, (case.id, document_id))
    if link is None:
        return False
    session.delete(link)
    session.flush()
    return True


@dataclass
class Attached:
    document: Document
    link: CaseDocument


def attached(session: Session, case: CaseFile) -> list[Attached]:
    rows = session.execute(
        select(Document, CaseDocument)
        .join(CaseDocument, CaseDocument.document_id == Document.id)
        .where(CaseDocument.case_id == case.id)
        .order_by(CaseDocument.attached_at)
    ).all()
    return [Attached(d, link) for d, link in rows]


def still_lacking(case: CaseFile, documents: list[Document]) -> list[str]:
    """Type codes the case's procedure requires (not optional) that no attached document is of."""
    procedure = procedures().get(case.procedure_code)
    if procedure is None:
        return []
    held = {d.doc_type_code for d in documents}
    return [r.type for r in procedure.requires if not r.optional and r.type not in held]


def type_name(code: str | None) -> str:
    kind = document_types().get(code or "")
    return kind.name if kind else (code or "Chưa rõ loại / unknown type")
