"""What the one-stop system tells the repository: a case received, a case resolved with its result.
Both are idempotent by case code, so the one-stop system may send them again safely."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter
from sqlalchemy import select

from repository.api.common import log_access, owner_identity
from repository.api.deps import Caller, DatabaseUrl
from repository.api.schemas import OneStopCase, Resolution
from repository.catalog import cases
from repository.catalog.db import on_conflict_retry, session_scope
from repository.catalog.models import CaseFile, Document, DocumentKind, LinkVia, Owner
from repository.catalog.procedures import procedures, requirements_for
from repository.errors import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND, DomainError
from repository.reuse.rules import check_owner
from repository.security.access import require

router = APIRouter(prefix="/api/one-stop", tags=["một cửa / one-stop system"])


@router.post("/cases")
def register_case(body: OneStopCase, who: Caller, database_url: DatabaseUrl) -> dict:
    """Ghi nhận hồ sơ tiếp nhận (lặp lại an toàn) / register a received case; idempotent by case code."""
    require(who, "officer", "admin")
    procedure = procedures().get(body.procedure_code)
    if procedure is None:
        raise DomainError(
            INVALID, "unknown_procedure", "Mã thủ tục không có trong danh mục / unknown procedure"
        )
    agency = body.agency_code if who.role == "admin" else who.agency
    if not agency:
        raise DomainError(INVALID, "agency_required", "Cần mã cơ quan tiếp nhận / agency required")
    kind, identifier = owner_identity(body.owner_kind, body.owner_id)
    received = body.received_on or date.today()

    def work() -> dict:
        with session_scope(database_url) as session:
            owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
            if owner is None:
                owner = Owner(kind=kind, identifier=identifier, name=body.owner_name)
                session.add(owner)
                session.flush()
            case = session.scalar(select(CaseFile).where(CaseFile.case_code == body.case_code))
            created = case is None
            if created:
                at_receipt = datetime.combine(received, datetime.min.time(), tzinfo=UTC)
                on_file = check_owner(
                    session,
                    owner,
                    [r for r in requirements_for(procedure.code, None) if not r.optional],
                    received,
                    procedure.code,
                    digitized_before=at_receipt,
                ).need_not_bring
                case = CaseFile(
                    case_code=body.case_code,
                    procedure_code=procedure.code,
                    agency_code=agency,
                    owner_id=owner.id,
                    field=procedure.field,
                    received_on=received,
                    reusable_on_file=on_file,
                )
                session.add(case)
                session.flush()
            elif (case.owner_id, case.agency_code) != (owner.id, agency):
                raise DomainError(
                    CONFLICT, "case_exists", "Mã hồ sơ đã thuộc người nộp hoặc cơ quan khác / case taken"
                )
            log_access(who, "register_case", session=session, case_code=case.case_code, owner_id=owner.id)
            return {
                "case_code": case.case_code,
                "created": created,
                "received_on": case.received_on.isoformat(),
                "field": case.field,
                "reusable_on_file": case.reusable_on_file,
            }

    # Identical calls at once (a double click, a retrying portal): the one that loses the race for the
    # owner or case row finds it on its next try instead of answering 500.
    return on_conflict_retry(work)


@router.post("/cases/{case_code}/resolution")
def resolve_case(case_code: str, body: Resolution, who: Caller, database_url: DatabaseUrl) -> dict:
    """Ghi nhận đã trả kết quả, kèm giấy tờ kết quả nếu đã số hóa / mark a case resolved with its result."""
    require(who, "officer", "admin")
    with session_scope(database_url) as session:
        case = session.scalar(select(CaseFile).where(CaseFile.case_code == case_code))
        if case is None:
            raise DomainError(NOT_FOUND, "case_not_found", "Không có hồ sơ này / no such case")
        if who.role == "officer" and case.agency_code != who.agency:
            raise DomainError(FORBIDDEN, "case_not_handled", "Hồ sơ không do cơ quan của bạn xử lý")
        case.resolved_on = case.resolved_on or body.resolved_on or date.today()
        if body.result_document_id:
            document = session.get(Document, body.result_document_id)
            if document is None or document.owner_id != case.owner_id:
                raise DomainError(CONFLICT, "result_not_owners", "Kết quả không thuộc người nộp hồ sơ này")
            cases.attach(session, case, document, who.name, DocumentKind.RESULT, LinkVia.RESULT)
        log_access(
            who,
            "resolve_case",
            session=session,
            case_code=case_code,
            owner_id=case.owner_id,
            document_id=body.result_document_id,
        )
        return {
            "case_code": case_code,
            "resolved_on": case.resolved_on.isoformat(),
            "result_document_id": body.result_document_id,
        }
