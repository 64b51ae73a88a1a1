"""Errors as the API answers them: ``{"error": {"code", "message"}}``, one handler per kind of error,
registered once. A refused attempt on someone's data (403) goes on the audit log too."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException

from repository.api.deps import SignInRequired, principal_from
from repository.errors import DomainError, Kind
from repository.security import audit

STATUS = {
    Kind.INVALID: 422, Kind.NOT_FOUND: 404, Kind.CONFLICT: 409, Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403, Kind.TOO_MANY: 429, Kind.TOO_LARGE: 413, Kind.GONE: 410,
}  # fmt: skip
HTTP_MESSAGES = {404: "Không tìm thấy / not found", 405: "Phương thức không được hỗ trợ / method not allowed"}


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def register(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        if exc.kind == Kind.FORBIDDEN:
            await run_in_threadpool(_log_denial, request, exc.code)
        return JSONResponse(error_body(exc.code, exc.message), status_code=STATUS[exc.kind])

    @app.exception_handler(SignInRequired)
    async def sign_in(_request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in exc.errors()]
        return JSONResponse(error_body("invalid_request", "Yêu cầu không hợp lệ", details=details), 422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return JSONResponse(error_body(f"http_{exc.status_code}", message), exc.status_code)


def _log_denial(request: Request, code: str) -> None:
    """A refused attempt on someone's data is on record too (outcome 'denied', with the reason)."""
    database_url = request.app.state.database_url
    try:
        who = principal_from(request, database_url)
    except DomainError:
        return
    params = request.path_params
    route = request.url.path.split("/")[2] if request.url.path.startswith("/api/") else "page"
    audit.record(
        database_url, actor=who.name, role=who.role, agency=who.agency, action=route, outcome="denied",
        case_code=request.query_params.get("case") or params.get("case"),
        document_id=params.get("document_id"), owner_id=params.get("owner"),
        detail={"reason": code, "method": request.method},
    )  # fmt: skip
