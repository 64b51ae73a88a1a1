"""Who is calling, what they may do, and the web hygiene around it (FastAPI side of repository.auth).

- Bearer tokens (ours or an SSO JWT) on API calls; pages use a session cookie set by /login holding
  the same token (HttpOnly, SameSite=Strict), and every state-changing request that relies on the
  cookie must carry the CSRF token the page was given (X-CSRF-Token).
- Purpose binding: an officer reads an owner's documents only through a case of that owner handled
  by the officer's agency; the case code is part of every read and goes into the audit log.
- Security headers on every response, request size limits, rate limiting on login.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import cache

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse, Response

from quality.config import threshold
from repository.auth import AuthError, Principal, authenticate
from repository.catalog import CaseFile

SESSION_COOKIE = "sohoa_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_BODY_LIMIT = 1024 * 1024  # JSON bodies; uploads have their own limit


@cache
def _csrf_key() -> bytes:
    configured = os.environ.get("SOHOA_SECRET_KEY")
    return configured.encode() if configured else secrets.token_bytes(32)  # per process when not set


def csrf_token(session_token: str) -> str:
    return hmac.new(_csrf_key(), session_token.encode(), hashlib.sha256).hexdigest()


def principal_from(request: Request, database_url: str | None) -> Principal:
    """Bearer header first; else the page session cookie, with the CSRF check on unsafe methods."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(
                401, "unauthenticated", "Cần 'Authorization: Bearer <mã>' / bearer token required"
            )
        return authenticate(token.strip(), database_url)
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise AuthError(401, "unauthenticated", "Cần đăng nhập / authentication required")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, csrf_token(session)):
            raise AuthError(403, "csrf_failed", "Thiếu hoặc sai mã CSRF / CSRF token missing or wrong")
    principal = authenticate(session, database_url)
    return Principal(principal.name, principal.role, principal.agency, via="session")


def require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise AuthError(
            403, "forbidden_role", f"Vai trò '{principal.role}' không được làm việc này / role not allowed"
        )


def bind_case(
    session: Session, principal: Principal, case_code: str | None, owner_id: str | None
) -> CaseFile:
    """The case that gives an officer the right to read this owner's data, or a 403 saying why not."""
    if not case_code:
        raise AuthError(
            403, "case_required", "Cần mã hồ sơ đang xử lý (case) để xem dữ liệu / a case is required"
        )
    case = session.scalar(select(CaseFile).where(CaseFile.case_code == case_code))
    if case is None or case.agency_code != principal.agency:
        raise AuthError(
            403, "case_not_handled", "Hồ sơ không do cơ quan của bạn xử lý / not your agency's case"
        )
    if owner_id is not None and case.owner_id != owner_id:
        raise AuthError(
            403, "case_owner_mismatch", "Hồ sơ không phải của chủ sở hữu này / case of another owner"
        )
    return case


def open_case(
    session: Session, principal: Principal, case_code: str | None, owner_id: str | None, procedure: str | None
) -> CaseFile | None:
    """An officer starting work on a new application registers its case for their agency (the
    portal's case code, the owner, the procedure); an existing case must pass ``bind_case``."""
    if (
        case_code
        and owner_id
        and session.scalar(select(CaseFile.id).where(CaseFile.case_code == case_code)) is None
    ):
        case = CaseFile(case_code=case_code, procedure_code=procedure or "", agency_code=principal.agency,
                        owner_id=owner_id)  # fmt: skip
        session.add(case)
        session.flush()
        return case
    if owner_id is None:  # nothing on file for this person: no case to bind, nothing to reveal
        if not case_code:
            raise AuthError(403, "case_required", "Cần mã hồ sơ đang xử lý (case) / a case is required")
        return None
    return bind_case(session, principal, case_code, owner_id)


class LoginLimiter:
    """At most ``attempts`` failed logins per client per ``window`` seconds."""

    def __init__(self, attempts: int = 5, window: float = 60.0) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            failures = self._failures.setdefault(client, deque())
            while failures and now - failures[0] > self.window:
                failures.popleft()
            if len(failures) >= self.attempts:
                raise AuthError(
                    429, "too_many_attempts", "Đăng nhập sai quá nhiều lần, thử lại sau / slow down"
                )

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(time.monotonic())


class Hygiene(BaseHTTPMiddleware):
    """Security headers on every response; oversized bodies refused before they are read."""

    async def dispatch(self, request: Request, call_next: Callable) -> Response:
        length = request.headers.get("content-length")
        limit = API_BODY_LIMIT
        if request.url.path.startswith("/api/uploads/") and request.url.path.endswith("/files"):
            # Up to twice the file limit reaches the upload code, which records the file as refused
            # (so staff see it in the batch); beyond that the request itself is refused.
            limit = int(2 * threshold("intake", "max_file_mb") * 1024 * 1024) + API_BODY_LIMIT
        if length is not None and length.isdigit() and int(length) > limit:
            body = {"error": {"code": "too_large", "message": "Yêu cầu quá lớn / request too large"}}
            return _secure(JSONResponse(body, status_code=413))
        response = await call_next(request)
        if request.url.path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            # FastAPI's API explorer loads its scripts from a CDN and starts them inline.
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
                "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
                "https://fastapi.tiangolo.com; frame-ancestors 'none'"
            )
        return _secure(response)


def _secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cache-Control", "no-store")  # citizens' data is not cached by browsers or proxies
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    return response
