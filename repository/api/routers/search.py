"""Full-text search within the applicant's repository, through the case; accents optional."""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from repository.api.common import log_access
from repository.api.deps import Caller, DatabaseUrl
from repository.catalog.db import in_read_scope
from repository.catalog.search import search
from repository.security.access import bind_case, require

router = APIRouter(prefix="/api", tags=["tìm kiếm / search"])


@router.get("/search")
async def search_pages(
    who: Caller, database_url: DatabaseUrl,
    q: str = Query(..., min_length=1, description="Từ khóa, không cần dấu / words, accents optional"),
    case: str | None = Query(None, description="Mã hồ sơ: tìm trong giấy tờ của chủ hồ sơ / the case"),
    owner: str | None = None,
    type: str | None = None,  # noqa: A002 - the API's parameter name
    page: int = Query(1, ge=1), page_size: int = Query(20, ge=1, le=100),
) -> dict:  # fmt: skip
    require(who, "officer")

    def read(session: Session) -> dict:
        bound = bind_case(session, who, case, owner)  # within the case's owner only
        hits, total = search(session, q, owner=bound.owner_id, type_code=type, limit=page_size,
                             offset=(page - 1) * page_size)  # fmt: skip
        log_access(who, "search", session=session, case_code=case, owner_id=bound.owner_id,
                   detail={"hits": total})  # fmt: skip
        return {
            "results": [hit.__dict__ for hit in hits],
            "page": page,
            "page_size": page_size,
            "total": total,
        }

    return await in_read_scope(database_url, read)
