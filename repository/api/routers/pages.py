"""The pages' sessions and the pages that are not an area's own: sign in and out, home, health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from repository.api.deps import SESSION_COOKIE, PageUser, check_csrf
from repository.api.templating import render_page
from repository.errors import DomainError
from repository.security.access import require
from repository.security.auth import authenticate

router = APIRouter(include_in_schema=False)


@router.get("/health", include_in_schema=True, tags=["hệ thống / system"])
async def health() -> dict:
    return {"status": "ok"}


@router.get("/login")
def login_page(request: Request, error: str | None = None, next: str = "/") -> Response:
    return render_page(request, "login.html", None, title="Đăng nhập", error=bool(error), next=next)


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"
    limiter.check(client)
    try:
        authenticate(token.strip(), request.app.state.database_url)
    except DomainError:
        limiter.failed(client)
        return RedirectResponse("/login?error=1", status_code=303)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token.strip(), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=8 * 3600)  # fmt: skip
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    # Signing out is a state change like any other: our pages send the CSRF token with it, so
    # another site cannot sign a user out behind their back.
    check_csrf(request, csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, who: PageUser) -> Response:
    return render_page(request, "home.html", who, title="Trang chủ")


@router.get("/upload")
def upload_page(request: Request, who: PageUser) -> Response:
    require(who, "records_staff")
    return render_page(request, "upload.html", who, title="Tải lên hồ sơ")
