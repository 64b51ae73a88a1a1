"""Cases (hồ sơ): attaching a document the applicant's repository already holds."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from repository.api.common import iso, log_access
from repository.api.deps import Caller, DatabaseUrl
from repository.api.schemas import AttachRequest
from repository.catalog import cases
from repository.catalog.db import session_scope
from repository.catalog.models import CaseFile, Document
from repository.errors import NOT_FOUND, DomainError
from repository.reuse.rules import refuse_unless_reusable
from repository.security.access import bind_case, require

router = APIRouter(prefix="/api/cases", tags=["hồ sơ / cases"])


@router.post("/{case}/documents", status_code=201)
def attach(case: str, body: AttachRequest, who: Caller, database_url: DatabaseUrl) -> dict:
    """Đính kèm giấy tờ có sẵn vào hồ sơ mới: một liên kết, không sao chép / a link, not a copy."""
    require(who, "officer")
    with session_scope(database_url) as session:
        # Purpose binding rests on the applicant having been identified when the case was opened
        # (lookup or reuse check with their identifier), never on knowing a document id: the case
        # must exist, be this agency's, and be the document owner's.
        bound = bind_case(session, who, case, None)
        document = session.get(Document, body.document_id)
        if document is None:
            raise DomainError(NOT_FOUND, "document_not_found", "Không tìm thấy giấy tờ / no such document")
        bind_case(session, who, case, document.owner_id)
        refuse_unless_reusable(session, document, date.today())  # an expired or superseded one is not reused
        case_file = session.get(CaseFile, bound.id)
        link, created = cases.attach(session, case_file, document, body.attached_by or who.name, body.role)
        log_access(who, "attach", session=session, case_code=case, document_id=document.id,
                   owner_id=document.owner_id)  # fmt: skip
        return {
            "case_code": case,
            "document_id": document.id,
            "role": link.role,
            "attached_by": link.attached_by,
            "attached_at": iso(link.attached_at),
            "created": created,
        }


@router.delete("/{case}/documents/{document_id}")
def detach(case: str, document_id: str, who: Caller, database_url: DatabaseUrl) -> dict:
    """Gỡ giấy tờ khỏi hồ sơ (giấy tờ vẫn ở trong kho) / remove a link; recorded on the audit log."""
    require(who, "officer")
    with session_scope(database_url) as session:
        case_file = session.get(CaseFile, bind_case(session, who, case, None).id)
        removed = cases.detach(session, case_file, document_id)
        if not removed:
            raise DomainError(NOT_FOUND, "link_not_found", "Giấy tờ không gắn với hồ sơ này / not attached")
        log_access(who, "detach", session=session, case_code=case, document_id=document_id,
                   owner_id=case_file.owner_id)  # fmt: skip
        return {"case_code": case, "document_id": document_id, "detached": True}
