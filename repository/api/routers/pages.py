"""The pages' sessions and the pages that are not an area's own: sign in and out, home, health."""

from __future__ import annotations

import hmac
import os
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from repository.api.deps import SESSION_COOKIE, PageUser, check_csrf
from repository.api.templating import ROLE_NAMES, render_page
from repository.errors import DomainError
from repository.security.access import require
from repository.security.auth import SESSION_HOURS, end_session, start_session

router = APIRouter(include_in_schema=False)


@router.get("/health", include_in_schema=True, tags=["hệ thống / system"])
async def health() -> dict:
    return {"status": "ok"}


# Login CSRF: before there is a session, the sign-in form proves it came from our page by a random
# value sent both as a cookie and as a form field (double submit); another site can set neither.
LOGIN_CSRF_COOKIE = "sohoa_login_csrf"


def _secure(request: Request) -> bool:
    """Cookies are Secure over https - seen directly, or said by a trusted proxy (``sohoa serve
    --trusted-proxy``: uvicorn then takes the scheme from X-Forwarded-Proto) - or when the
    deployment says so (SOHOA_SECURE_COOKIES=1)."""
    return request.url.scheme == "https" or os.environ.get("SOHOA_SECURE_COOKIES", "") in {"1", "true", "yes"}


@router.get("/login")
def login_page(request: Request, error: str | None = None, next: str = "/") -> Response:
    value = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render_page(
        request, "login.html", None, title="Đăng nhập", error=error, next=next, login_csrf=value
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, value, httponly=True, samesite="strict", secure=_secure(request),
                        max_age=3600, path="/login")  # fmt: skip
    return response


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"
    limiter.check(client)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        return RedirectResponse("/login?error=csrf", status_code=303)
    try:
        session = start_session(token.strip(), request.app.state.database_url)
    except DomainError:
        limiter.failed(client)
        return RedirectResponse("/login?error=1", status_code=303)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict",
                        secure=_secure(request), max_age=SESSION_HOURS * 3600)  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    # Signing out is a state change like any other: our pages send the CSRF token with it, so
    # another site cannot sign a user out behind their back.
    check_csrf(request, csrf)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        end_session(session, request.app.state.database_url)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, who: PageUser) -> Response:
    return render_page(request, "home.html", who, title="Trang chủ")


@router.get("/huong-dan")
def guide(request: Request, who: PageUser) -> Response:
    """How each role does its daily task (its own first)."""
    return render_page(request, "guide.html", who, title="Hướng dẫn", roles=ROLE_NAMES)


@router.get("/users")
@router.get("/admin")
def admin_home(who: PageUser) -> Response:
    """Where an admin looks for users first."""
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/upload")
def upload_page(request: Request, who: PageUser) -> Response:
    require(who, "records_staff")
    return render_page(request, "upload.html", who, title="Tải lên hồ sơ")
