"""The repository's HTTP API and pages (FastAPI; OpenAPI at /openapi.json, for signed-in callers).

One router per area (``repository/api/routers``), the dependencies they share (``deps``), errors
answered in one place (``errors``), the hygiene in front of every request (``middleware``).

Owners are addressed by an opaque owner key in URLs, never by their identifier: an officer who has
the applicant's personal ID or tax code exchanges it for the key with POST /api/owners/lookup (or
sends it in the body of POST /api/reuse-check). URLs end up in access logs; bodies do not. Responses
are JSON objects, lists sit under ``results`` with paging, errors carry a machine-readable code and a
Vietnamese message.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from repository.api import errors
from repository.api.middleware import Hygiene
from repository.api.routers import (
    admin,
    cases,
    catalog,
    documents,
    explorer,
    kpi,
    officer,
    onestop,
    owners,
    pages,
    quality,
    reuse,
    review,
    review_desk,
    search,
    uploads,
    users,
    verify,
)
from repository.security.auth import LoginLimiter
from repository.settings import load_settings
from repository.storage import ObjectStore
from repository.web import STATIC

ROUTERS = (
    pages,
    explorer,
    officer,
    onestop,
    owners,
    reuse,
    cases,
    search,
    documents,
    catalog,
    uploads,
    review,
    review_desk,
    quality,
    kpi,
    users,
    verify,
    admin,
)
# Swagger UI as the fastapi-offline package ships it (with its licence).
EXPLORER_ASSETS = resources.files("fastapi_offline") / "static"


def create_app(database_url: str | None = None, store: ObjectStore | None = None) -> FastAPI:
    app = FastAPI(
        title="sohoa - Kho dữ liệu số hóa / digitized records repository",
        version="0.1.0",
        description="Tra cứu, tái sử dụng và tải giấy tờ đã số hóa của tổ chức, cá nhân.",
        docs_url=None,  # served by the explorer router, behind sign-in
        redoc_url=None,  # Swagger UI only: ReDoc fetches its logo from its CDN
        openapi_url=None,
    )
    app.state.database_url = database_url or load_settings().database_url  # once, not per request
    app.state.store = store  # opened on first use when not given
    app.state.login_limiter = LoginLimiter()
    app.add_middleware(Hygiene, database_url=app.state.database_url)
    errors.register(app)
    # The explorer's mount first: "/static" would otherwise take its paths.
    app.mount("/static/explorer", StaticFiles(directory=str(EXPLORER_ASSETS)), name="explorer-assets")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for area in ROUTERS:
        app.include_router(area.router)
    return app
