"""What a caller may do: roles, and purpose binding - an officer reads an owner's documents only
through a case of that owner handled by the officer's agency; the case code is part of every read and
goes into the audit log. Also the CSRF token that binds a page's requests to its session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from sqlalchemy import Row, String, cast, func, select
from sqlalchemy.orm import Session

from repository.catalog.models import CaseFile, Document, ReviewReason
from repository.catalog.procedures import procedures
from repository.errors import FORBIDDEN, DomainError
from repository.security.auth import CaseRef, Principal
from repository.settings import load_settings

CASES = CaseFile.__table__  # Core rows for the per-request checks: no ORM identity map to fill


@cache
def _csrf_key() -> bytes:
    configured = load_settings().secret_key
    return configured.encode() if configured else secrets.token_bytes(32)  # per process when not set


def csrf_token(session_token: str) -> str:
    return hmac.new(_csrf_key(), session_token.encode(), hashlib.sha256).hexdigest()


def require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise DomainError(
            FORBIDDEN,
            "forbidden_role",
            f"Vai trò '{principal.role}' không được làm việc này / role not allowed",
        )


def bind_case(
    session: Session, principal: Principal, case_code: str | None, owner_id: str | None
) -> Row | CaseRef:
    """The case that gives an officer the right to read this owner's data, or a 403 saying why not.

    A plain row (case_code, agency_code, owner_id...): this runs on every officer read."""
    if not case_code:
        raise DomainError(
            FORBIDDEN, "case_required", "Cần mã hồ sơ đang xử lý (case) để xem dữ liệu / a case is required"
        )
    return _admit(_find_case(session, case_code, principal), principal, owner_id)


def open_case(
    session: Session, principal: Principal, case_code: str | None, owner_id: str | None, procedure: str | None
) -> CaseFile | Row | None:
    """An officer starting work on a new application registers its case for their agency (the
    portal's case code, the owner, the procedure); an existing case must pass ``bind_case``."""
    if not case_code:
        raise DomainError(FORBIDDEN, "case_required", "Cần mã hồ sơ đang xử lý (case) / a case is required")
    if owner_id is None:  # nothing on file for this person: no case to bind, nothing to reveal
        return None
    require_agency(principal)
    case = _find_case(session, case_code, principal)
    if case is None:
        kind = procedures().get(procedure or "")
        created = CaseFile(case_code=case_code, procedure_code=procedure or "", agency_code=principal.agency,
                           owner_id=owner_id, field=kind.field if kind else None)  # fmt: skip
        session.add(created)
        session.flush()
        return created
    return _admit(case, principal, owner_id)


def _find_case(session: Session, case_code: str, principal: Principal) -> Row | CaseRef | None:
    if principal.case is not None and principal.case.case_code == case_code:
        return principal.case  # read with the caller's token
    return session.execute(select(CASES).where(CASES.c.case_code == case_code)).first()


def require_agency(principal: Principal) -> str:
    """The caller's agency; a user or token without one is refused where an agency is required (a
    case without an agency must not match a caller without one: None == None)."""
    if not principal.agency:
        raise DomainError(
            FORBIDDEN,
            "agency_required",
            "Tài khoản chưa được gán cơ quan; hãy nhờ quản trị viên gán cơ quan / no agency on this account",
        )
    return principal.agency


def _admit(case: Row | CaseRef | None, principal: Principal, owner_id: str | None) -> Row | CaseRef:
    require_agency(principal)
    if case is None or case.agency_code != principal.agency:
        raise DomainError(
            FORBIDDEN, "case_not_handled", "Hồ sơ không do cơ quan của bạn xử lý / not your agency's case"
        )
    if case.cancelled_at is not None:
        raise DomainError(FORBIDDEN, "case_cancelled", "Hồ sơ đã bị hủy (mở nhầm) / the case was cancelled")
    if owner_id is not None and case.owner_id != owner_id:
        raise DomainError(
            FORBIDDEN, "case_owner_mismatch", "Hồ sơ không phải của chủ sở hữu này / case of another owner"
        )
    return case


# A document whose printed owner does not match the one it was filed under waits for a steward; until
# then it is served through neither owner's cases (it may carry the other person's identifier).
def owner_in_doubt(doc: Document) -> bool:
    return ReviewReason.OWNER_MISMATCH in (doc.review_reasons or [])


def owner_settled():
    """SQL: the documents whose owner is not in doubt (the JSON list read as text: one expression
    for SQLite and PostgreSQL alike)."""
    reasons = func.coalesce(cast(Document.__table__.c.review_reasons, String), "")
    return ~reasons.contains(ReviewReason.OWNER_MISMATCH)


def refuse_owner_in_doubt(doc: Document) -> None:
    if owner_in_doubt(doc):
        raise DomainError(
            FORBIDDEN,
            "owner_in_doubt",
            "Giấy tờ đang chờ xác minh chủ sở hữu, chưa thể xem qua hồ sơ này / owner under review",
        )
