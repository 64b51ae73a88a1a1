"""Quality for stewards and admins: the latest quality runs, the steward reports and the GX Data Docs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import select

from quality.report import publish_report
from repository.api.common import iso
from repository.api.deps import Caller, DatabaseUrl, PageUser, Store
from repository.api.templating import render_page
from repository.catalog.db import session_scope
from repository.catalog.models import QualityRun
from repository.errors import NOT_FOUND, DomainError
from repository.security.access import require
from repository.storage import StorageError
from repository.web import formatting

router = APIRouter(tags=["chất lượng / quality"])
REPORT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
                ".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".ico": "image/x-icon",
                ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
                ".json": "application/json"}  # fmt: skip
# GX's own pages start their scripts inline; everything they load is on this server (see quality.data_docs).
DATA_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'"
)


@router.get("/api/quality/runs")
def quality_runs(
    who: Caller, database_url: DatabaseUrl, scope: Literal["batch", "catalog"] | None = None,
    limit: int = Query(20, ge=1, le=200),
) -> dict:  # fmt: skip
    require(who, "steward", "admin")
    with session_scope(database_url) as session:
        query = select(QualityRun).order_by(QualityRun.started_at.desc()).limit(limit)
        if scope:
            query = query.where(QualityRun.scope == scope)
        runs = [
            {"id": r.id, "scope": r.scope, "batch_id": r.batch_id, "started_at": iso(r.started_at),
             "success": r.success, "critical_failures": r.critical_failures, "warnings": r.warnings,
             "checks": r.checks,
             "report": f"/reports/{r.report_key.removeprefix('reports/')}" if r.report_key else None}
            for r in session.scalars(query)
        ]  # fmt: skip
    return {"results": runs, "total": len(runs)}


@router.get("/reports/", include_in_schema=False)
def reports_index(request: Request, who: PageUser, store: Store) -> Response:
    """Báo cáo cho người quản lý dữ liệu / steward reports and the GX Data Docs."""
    require(who, "steward", "admin")
    keys = sorted(store.list("reports/steward/"), reverse=True)
    dated = [k for k in keys if not k.endswith("/latest.html")][:60]
    reports = [(f"/{k}", _report_name(k)) for k in dated]
    has_docs = store.exists("reports/data-docs/index.html")
    return render_page(
        request,
        "reports.html",
        who,
        title="Báo cáo chất lượng",
        reports=reports,
        has_latest=bool(keys),
        has_docs=has_docs,
    )


def _report_name(key: str) -> str:
    """ "reports/steward/20261206T143023351303Z.html" as "Báo cáo lập lúc 06/12/2026 21:30"."""
    stamp = key.rsplit("/", 1)[-1].removesuffix(".html")
    try:
        at = datetime.strptime(stamp.rstrip("Z"), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    except ValueError:
        return stamp
    return f"Báo cáo lập lúc {formatting.when(at)}"


@router.post("/reports/refresh", include_in_schema=False)
def refresh_report(who: PageUser, database_url: DatabaseUrl, store: Store) -> Response:
    """Draw the steward report again now (it is also drawn after every quality run and steward action)."""
    require(who, "steward", "admin")
    publish_report(store, database_url)
    return RedirectResponse("/reports/steward/latest.html", status_code=303)


@router.get("/reports/{path:path}", response_model=None, include_in_schema=False)
def report_file(path: str, who: PageUser, store: Store) -> Any:
    require(who, "steward", "admin")
    if not path or ".." in path.split("/"):
        raise DomainError(NOT_FOUND, "report_not_found", "Không tìm thấy báo cáo / no such report")
    try:
        chunks = store.iter_chunks("reports/" + path)
    except (StorageError, IsADirectoryError):
        raise DomainError(NOT_FOUND, "report_not_found", "Không tìm thấy báo cáo / no such report") from None
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    headers = {"Content-Security-Policy": DATA_DOCS_CSP} if path.startswith("data-docs/") else {}
    return StreamingResponse(chunks, media_type=REPORT_TYPES.get(suffix, "application/octet-stream"),
                             headers=headers)  # fmt: skip
