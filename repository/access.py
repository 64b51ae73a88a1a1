"""Who is calling, what they may do, and the web hygiene around it (FastAPI side of repository.auth).

- Bearer tokens (ours or an SSO JWT) on API calls; pages use a session cookie set by /login holding
  the same token (HttpOnly, SameSite=Strict), and every state-changing request that relies on the
  cookie must carry the CSRF token the page was given (X-CSRF-Token).
- Purpose binding: an officer reads an owner's documents only through a case of that owner handled
  by the officer's agency; the case code is part of every read and goes into the audit log.
- Security headers on every response, request size limits, rate limiting on login.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import replace
from functools import cache

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Row, select
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quality.config import threshold
from repository.auth import AuthError, CaseRef, Principal, authenticate, is_jwt
from repository.catalog import CaseFile

CASES = CaseFile.__table__  # Core rows for the per-request checks: no ORM identity map to fill
SESSION_COOKIE = "sohoa_session"
CASE_IN_BODY = {"/api/reuse-check", "/api/owners/lookup"}  # POSTs naming their case in the JSON body
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_BODY_LIMIT = 1024 * 1024  # JSON bodies; uploads have their own limit


@cache
def _csrf_key() -> bytes:
    configured = os.environ.get("SOHOA_SECRET_KEY")
    return configured.encode() if configured else secrets.token_bytes(32)  # per process when not set


def csrf_token(session_token: str) -> str:
    return hmac.new(_csrf_key(), session_token.encode(), hashlib.sha256).hexdigest()


def credentials(request: Request) -> tuple[str, str]:
    """The caller's token and how it came (``token`` or ``session``); a bearer header comes first, else
    the pages' session cookie, with the CSRF check on unsafe methods. No database work."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(
                401, "unauthenticated", "Cần 'Authorization: Bearer <mã>' / bearer token required"
            )
        return token.strip(), "token"
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise AuthError(401, "unauthenticated", "Cần đăng nhập / authentication required")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, csrf_token(session)):
            raise AuthError(403, "csrf_failed", "Thiếu hoặc sai mã CSRF / CSRF token missing or wrong")
    return session, "session"


def principal_from(request: Request, database_url: str | None) -> Principal:
    token, via = credentials(request)
    return _via(authenticate(token, database_url), via)


async def principal_from_async(request: Request, database_url: str) -> Principal:
    """As ``principal_from``, for the API's per-request dependency, with the case the request names.

    Our own tokens are checked right on the event loop: one indexed read on a pooled connection
    (~0.3 ms) costs less than handing the request to a worker thread and back, which FastAPI would do
    for a blocking dependency. SSO JWTs go to a thread: fetching a JWKS may take a network round trip."""
    token, via = credentials(request)
    if is_jwt(token):
        return _via(await run_in_threadpool(authenticate, token, database_url), via)
    return _via(authenticate(token, database_url, await _named_case(request)), via)


async def _named_case(request: Request) -> str | None:
    case = request.query_params.get("case") or request.path_params.get("case")
    if case is None and request.method == "POST" and request.url.path in CASE_IN_BODY:
        try:
            body = await request.json()  # FastAPI has read the body already: this parses cached bytes
        except ValueError:
            return None  # FastAPI answers the malformed body itself
        case = body.get("case") if isinstance(body, dict) else None
    return case if isinstance(case, str) else None


def _via(principal: Principal, via: str) -> Principal:
    return principal if via == "token" else replace(principal, via=via)


def require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise AuthError(
            403, "forbidden_role", f"Vai trò '{principal.role}' không được làm việc này / role not allowed"
        )


def bind_case(
    session: Session, principal: Principal, case_code: str | None, owner_id: str | None
) -> Row | CaseRef:
    """The case that gives an officer the right to read this owner's data, or a 403 saying why not.

    A plain row (case_code, agency_code, owner_id...): this runs on every officer read."""
    if not case_code:
        raise AuthError(
            403, "case_required", "Cần mã hồ sơ đang xử lý (case) để xem dữ liệu / a case is required"
        )
    return _admit(_find_case(session, case_code, principal), principal, owner_id)


def open_case(
    session: Session, principal: Principal, case_code: str | None, owner_id: str | None, procedure: str | None
) -> CaseFile | Row | None:
    """An officer starting work on a new application registers its case for their agency (the
    portal's case code, the owner, the procedure); an existing case must pass ``bind_case``."""
    if not case_code:
        raise AuthError(403, "case_required", "Cần mã hồ sơ đang xử lý (case) / a case is required")
    if owner_id is None:  # nothing on file for this person: no case to bind, nothing to reveal
        return None
    case = _find_case(session, case_code, principal)
    if case is None:
        created = CaseFile(case_code=case_code, procedure_code=procedure or "", agency_code=principal.agency,
                           owner_id=owner_id)  # fmt: skip
        session.add(created)
        session.flush()
        return created
    return _admit(case, principal, owner_id)


def _find_case(session: Session, case_code: str, principal: Principal) -> Row | CaseRef | None:
    if principal.case is not None and principal.case.case_code == case_code:
        return principal.case  # read with the caller's token
    return session.execute(select(CASES).where(CASES.c.case_code == case_code)).first()


def _admit(case: Row | CaseRef | None, principal: Principal, owner_id: str | None) -> Row | CaseRef:
    if case is None or case.agency_code != principal.agency:
        raise AuthError(
            403, "case_not_handled", "Hồ sơ không do cơ quan của bạn xử lý / not your agency's case"
        )
    if owner_id is not None and case.owner_id != owner_id:
        raise AuthError(
            403, "case_owner_mismatch", "Hồ sơ không phải của chủ sở hữu này / case of another owner"
        )
    return case


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


class BodyTooLarge(Exception):
    """A request body grew past its limit while it was being read (chunked bodies name no length)."""


class Hygiene:
    """Security headers on every response; oversized bodies refused, anonymous bodies never read.

    Plain ASGI rather than Starlette's BaseHTTPMiddleware: it only edits the response's start message
    and counts body bytes as they arrive, so it adds no task or stream per request (this sits in front
    of every call). The limit is enforced on the bytes received, not on Content-Length alone: a body
    sent chunked, without a length, is cut off at the limit too."""

    def __init__(self, app: ASGIApp, database_url: str | None = None) -> None:
        self.app = app
        self.database_url = database_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = body_limit(path)
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _refuse(scope, receive, send, 413, "too_large", "Yêu cầu quá lớn / request too large")
            return
        if scope["method"] not in SAFE_METHODS and path.startswith("/api/"):
            refusal = await self._caller_refusal(scope, path)
            if refusal is not None:  # before a single byte of the body is read
                await _refuse(scope, receive, send, refusal.status, refusal.code, refusal.message)
                return
        explorer = path in ("/docs", "/redoc", "/docs/oauth2-redirect")
        state = {"received": 0, "over": False, "started": False}

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["over"] = True
                    raise BodyTooLarge()
            return message

        async def secured(message: Message) -> None:
            if state["over"]:
                return  # whatever the app made of the cut-off body, the answer is 413
            if message["type"] == "http.response.start":
                state["started"] = True
                headers = MutableHeaders(scope=message)
                if explorer:
                    headers["Content-Security-Policy"] = EXPLORER_CSP
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        with contextlib.suppress(BodyTooLarge):  # answered below
            await self.app(scope, counted, secured)
        if state["over"] and not state["started"]:
            await _refuse(scope, receive, send, 413, "too_large", "Yêu cầu quá lớn / request too large")

    async def _caller_refusal(self, scope: Scope, path: str) -> AuthError | None:
        """No body is read for a caller who has no credentials; an upload's (large) body is read only
        for a caller whose token holds."""
        request = Request(scope)
        try:
            if _is_upload(path):
                await run_in_threadpool(principal_from, request, self.database_url)
            else:
                credentials(request)
        except AuthError as exc:
            # 401s here; a refusal of a known caller (403) is left to the route, which records it.
            return exc if exc.status == 401 else None
        return None


def _is_upload(path: str) -> bool:
    return path.startswith("/api/uploads/") and path.endswith("/files")


def body_limit(path: str) -> int:
    if _is_upload(path):
        # Up to twice the file limit reaches the upload code, which records the file as refused
        # (so staff see it in the batch); beyond that the request itself is refused.
        return int(2 * threshold("intake", "max_file_mb") * 1024 * 1024) + API_BODY_LIMIT
    return API_BODY_LIMIT


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    body = {"error": {"code": code, "message": message}}
    response = JSONResponse(
        body, status_code=status, headers=dict(SECURITY_HEADERS) | {"Connection": "close"}
    )
    await response(scope, receive, send)


# FastAPI's API explorer loads its scripts from a CDN and starts them inline.
EXPLORER_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),  # citizens' data is not cached by browsers or proxies
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
)


class DropQueryString(logging.Filter):
    """The server's access log names the path, never the query: a search for someone's identifier
    or name must not land in a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def access_log_config() -> dict:
    """uvicorn's logging, with the query string dropped from every access-log line."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query"] = {"()": DropQueryString}
    config["handlers"]["access"]["filters"] = ["no_query"]
    return config
