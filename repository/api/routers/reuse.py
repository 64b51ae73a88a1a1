"""The reuse check: per requirement of a procedure, the document that satisfies it or why none does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from repository.api.common import log_access, owner_identity
from repository.api.deps import Caller, DatabaseUrl
from repository.api.schemas import ReuseCheckRequest
from repository.catalog.db import in_read_scope
from repository.catalog.models import Owner
from repository.catalog.procedures import UnknownProcedure, requirements_for
from repository.errors import INVALID, NOT_FOUND, DomainError
from repository.reuse.rules import check_owner
from repository.security.access import bind_case, open_case, require

router = APIRouter(prefix="/api", tags=["tái sử dụng / reuse"])
OWNERS = Owner.__table__


@dataclass(frozen=True)
class OwnerKey:
    id: str


@router.post("/reuse-check")
async def reuse_check(body: ReuseCheckRequest, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "officer")
    if not body.procedure and not body.types:
        raise DomainError(INVALID, "no_requirements", "Cần mã thủ tục hoặc danh sách loại giấy tờ")
    try:
        requirements = requirements_for(body.procedure, body.types)
    except UnknownProcedure as exc:
        raise DomainError(NOT_FOUND, "unknown_procedure", str(exc)) from None
    identified = bool(body.owner_kind and body.owner_id)

    def read(session: Session) -> dict:
        owner = _owner(session, who, body)
        if identified:  # the applicant identified: a new case may open for this agency
            open_case(session, who, body.case, owner.id if owner else None, body.procedure)
        else:  # an owner key alone proves nothing: only a case already bound to that owner
            bind_case(session, who, body.case, owner.id if owner else body.owner)
        report = check_owner(session, owner, requirements, body.on or date.today(), body.procedure)
        summary = {"procedure": body.procedure, "need_not_bring": report.need_not_bring}
        owner_key = owner.id if owner else None
        log_access(
            who, "reuse_check", session=session, case_code=body.case, owner_id=owner_key, detail=summary
        )
        return report.as_json() | {"owner": owner_key}

    return await in_read_scope(database_url, read)


def _owner(session: Session, who, body: ReuseCheckRequest):
    named = who.case  # the case the request names, read with the token
    if body.owner and named and (named.case_code, named.owner_id) == (body.case, body.owner):
        return OwnerKey(body.owner)  # the case's foreign key already proves the owner exists
    if body.owner:
        return session.execute(select(OWNERS).where(OWNERS.c.id == body.owner)).first()
    if body.owner_kind and body.owner_id:
        kind, identifier = owner_identity(body.owner_kind, body.owner_id)
        return session.execute(
            select(OWNERS).where(OWNERS.c.kind == kind, OWNERS.c.identifier == identifier)
        ).first()
    raise DomainError(INVALID, "no_owner", "Cần khóa chủ sở hữu hoặc loại + định danh / owner required")
