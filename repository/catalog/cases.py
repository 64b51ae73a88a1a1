"""A case's links to documents: attach one the applicant's repository already holds, detach it, and
what the case's procedure still lacks. Used by the API and the officer's counter alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.understand import document_types
from repository.catalog.models import CaseDocument, CaseFile, Document, DocumentKind, LinkVia, utcnow
from repository.catalog.procedures import procedures


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
