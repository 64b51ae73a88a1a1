"""Who is calling: the dependencies every route names (FastAPI's "bigger applications" pattern).

- Bearer tokens (ours or an SSO JWT) on API calls; pages use a session cookie set by /login holding
  the same token (HttpOnly, SameSite=Strict), and every state-changing request that relies on the
  cookie must carry the CSRF token the page was given (X-CSRF-Token).
- The catalog URL and the object store the app was made with.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from repository.errors import FORBIDDEN, UNAUTHENTICATED, DomainError, Kind
from repository.security.access import csrf_token
from repository.security.auth import Principal, authenticate, is_jwt, is_session
from repository.storage import ObjectStore, open_store

SESSION_COOKIE = "sohoa_session"
CASE_IN_BODY = {"/api/reuse-check", "/api/owners/lookup"}  # POSTs naming their case in the JSON body
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def credentials(request: Request, form_csrf: str | None = None) -> tuple[str, str]:
    """The caller's token and how it came (``token`` or ``session``); a bearer header comes first, else
    the pages' session cookie, with the CSRF check on unsafe methods (the X-CSRF-Token header, or a
    page form's ``csrf`` field). No database work."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise DomainError(
                UNAUTHENTICATED, "unauthenticated", "Cần 'Authorization: Bearer <mã>' / bearer token required"
            )
        if is_session(token.strip()):  # a page session stays in its cookie, with its CSRF check
            raise DomainError(UNAUTHENTICATED, "invalid_token", "Mã truy cập không hợp lệ / invalid token")
        return token.strip(), "token"
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise DomainError(UNAUTHENTICATED, "unauthenticated", "Cần đăng nhập / authentication required")
    if not (is_session(session) or is_jwt(session)):  # an API token is never a cookie
        raise DomainError(UNAUTHENTICATED, "unauthenticated", "Cần đăng nhập / authentication required")
    if request.method not in SAFE_METHODS:
        sent = form_csrf or request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, csrf_token(session)):
            raise DomainError(
                FORBIDDEN, "csrf_failed", "Thiếu hoặc sai mã CSRF / CSRF token missing or wrong"
            )
    return session, "session"


def principal_from(request: Request, database_url: str | None, form_csrf: str | None = None) -> Principal:
    token, via = credentials(request, form_csrf)
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


async def _caller(request: Request) -> Principal:
    return await principal_from_async(request, request.app.state.database_url)


# Every route but /health names its caller: a bearer token, an SSO JWT, or the pages' session.
Caller = Annotated[Principal, Depends(_caller)]


def database_url(request: Request) -> str:
    """The catalog the app was made for (read once at startup, not per request)."""
    return request.app.state.database_url


DatabaseUrl = Annotated[str, Depends(database_url)]


def object_store(request: Request) -> ObjectStore:
    """The app's object store, opened on first use (tests hand one in)."""
    if request.app.state.store is None:
        request.app.state.store = open_store()
    return request.app.state.store


Store = Annotated[ObjectStore, Depends(object_store)]


def page_caller(request: Request) -> Principal | None:
    """The signed-in user of a page, or None (the page then sends them to /login)."""
    try:
        return principal_from(request, request.app.state.database_url)
    except DomainError:
        return None


def layout_user(request: Request, database_url: str | None) -> Principal | None:
    """Who is signed in, only to draw the layout of a refusal page (their navigation, their name):
    never to authorize anything, so a form post's CSRF field is not asked for here."""
    header = request.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() if header.lower().startswith("bearer ") else ""
    token = token or request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    try:
        return authenticate(token, database_url)
    except DomainError:
        return None


class SignInRequired(Exception):
    """A page was asked for without a session: the answer is the sign-in page, then back here."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def _page_user(request: Request) -> Principal:
    """The page's user; a form post proves its page with the form's CSRF field. No session: sign in
    (a wrong CSRF token with a good session is a refusal, not a sign-in)."""
    sent = None
    if request.method not in SAFE_METHODS and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get("csrf") or "")  # parsed once; the route reads it again
    try:
        return await run_in_threadpool(principal_from, request, request.app.state.database_url, sent)
    except DomainError as exc:
        if exc.kind == Kind.FORBIDDEN:
            raise
        raise SignInRequired(request.url.path) from None  # the path only: a query may carry search terms


# A page's signed-in user; without a session the browser is sent to /login and back.
PageUser = Annotated[Principal, Depends(_page_user)]


def check_csrf(request: Request, sent: str) -> None:
    """A page's form post (no JavaScript to add the header) carries the CSRF token as a field."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and not hmac.compare_digest(
        sent or request.headers.get("x-csrf-token", ""), csrf_token(session)
    ):
        raise DomainError(FORBIDDEN, "csrf_failed", "Thiếu hoặc sai mã CSRF / CSRF token missing or wrong")
