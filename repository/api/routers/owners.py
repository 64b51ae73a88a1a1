"""An applicant's repository: the owner key for an identifier, their documents, who accessed them."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repository.api.common import log_access, owner_identity
from repository.api.deps import Caller, DatabaseUrl
from repository.api.routers.documents import document_json, origins
from repository.api.schemas import OwnerRef
from repository.catalog.db import in_read_scope, on_conflict_retry_async
from repository.catalog.models import Document, Owner
from repository.errors import NOT_FOUND, DomainError
from repository.security import audit
from repository.security.access import bind_case, open_case, owner_settled, require

router = APIRouter(prefix="/api/owners", tags=["chủ sở hữu / owners"])
DOCUMENTS = Document.__table__

# The officers' frequent reads are async routes whose database work runs through in_read_scope:
# on PostgreSQL the whole request stays on the event loop (no worker-thread round trip).


@router.post("/lookup")
async def lookup_owner(body: OwnerRef, who: Caller, database_url: DatabaseUrl) -> dict:
    """Đổi định danh lấy khóa chủ sở hữu / exchange an identifier for the opaque owner key.

    Officers only, through a case of that owner handled by their agency."""
    require(who, "officer")
    kind, identifier = owner_identity(body.owner_kind, body.owner_id)

    def read(session: Session) -> dict:
        owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
        open_case(session, who, body.case, owner.id if owner else None, None)
        if owner is None:
            raise DomainError(
                NOT_FOUND, "owner_not_found", "Chưa có chủ sở hữu này trong kho / no such owner"
            )
        log_access(who, "lookup", session=session, case_code=body.case, owner_id=owner.id)
        return {"owner": owner.id, "kind": owner.kind, "name": owner.name}

    # The first lookup of a new case registers it: identical lookups at once race for that row.
    return await on_conflict_retry_async(lambda: in_read_scope(database_url, read))


@router.get("/{owner}/documents")
async def owner_documents(
    owner: str, who: Caller, database_url: DatabaseUrl,
    case: str | None = Query(None, description="Mã hồ sơ đang xử lý / the case (required)"),
    valid_on: date | None = None,
    type: str | None = None,  # noqa: A002 - the API's parameter name
    status: str | None = None, page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=200),
) -> dict:  # fmt: skip
    require(who, "officer")

    def read(session: Session) -> dict:
        bind_case(session, who, case, owner)
        # Core rows, not ORM objects: this is the officer's most frequent read.
        query = select(DOCUMENTS).where(DOCUMENTS.c.owner_id == owner, owner_settled())
        if type:
            query = query.where(DOCUMENTS.c.doc_type_code == type)
        if status:
            query = query.where(DOCUMENTS.c.status == status)
        if valid_on:
            query = query.where(DOCUMENTS.c.valid_until.is_(None) | (DOCUMENTS.c.valid_until >= valid_on))
        # The total rides along as a window count: one round trip, not two.
        rows = session.execute(
            query.add_columns(func.count().over().label("total"))
            .order_by(DOCUMENTS.c.issue_date.desc().nulls_last(), DOCUMENTS.c.created_at.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        total = rows[0].total if rows else 0
        if not rows and page > 1:  # past the last page: still say how many there are
            total = session.scalar(select(func.count()).select_from(query.subquery()))
        found = origins(session, rows)
        log_access(who, "list_documents", session=session, case_code=case, owner_id=owner,
                   detail={"count": len(rows)})  # fmt: skip
        results = [document_json(d, found.get(d.origin_case_id)) for d in rows]
        return {"results": results, "page": page, "page_size": page_size, "total": total}

    return await in_read_scope(database_url, read)


@router.get("/{owner}/access-history")
def access_history(owner: str, who: Caller, database_url: DatabaseUrl) -> dict:
    """Lịch sử truy cập dữ liệu của một công dân / who accessed this owner's data, when and why."""
    require(who, "steward", "admin")
    results = audit.owner_history(owner, database_url)
    log_access(who, "access_history", database_url=database_url, owner_id=owner)
    return {"results": results, "total": len(results)}
