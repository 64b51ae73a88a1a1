"""The web hygiene in front of every request: security headers, body limits counted as bytes arrive,
anonymous bodies never read; and the access log without query strings."""

from __future__ import annotations

import contextlib
import logging
import re
import traceback

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from repository.api.deps import SAFE_METHODS, credentials, principal_from
from repository.errors import DomainError, Kind
from repository.intake.preflight import max_file_bytes

API_BODY_LIMIT = 1024 * 1024  # JSON bodies; uploads have their own limit


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
                await _refuse(scope, receive, send, 401, refusal.code, refusal.message)
                return
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
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        with contextlib.suppress(BodyTooLarge):  # answered below
            await self.app(scope, counted, secured)
        if state["over"] and not state["started"]:
            await _refuse(scope, receive, send, 413, "too_large", "Yêu cầu quá lớn / request too large")

    async def _caller_refusal(self, scope: Scope, path: str) -> DomainError | None:
        """No body is read for a caller who has no credentials; an upload's (large) body is read only
        for a caller whose token holds."""
        request = Request(scope)
        try:
            if _is_upload(path):
                await run_in_threadpool(principal_from, request, self.database_url)
            else:
                credentials(request)
        except DomainError as exc:
            # 401s here; a refusal of a known caller (403) is left to the route, which records it.
            return exc if exc.kind == Kind.UNAUTHENTICATED else None
        return None


def _is_upload(path: str) -> bool:
    return path.startswith("/api/uploads/") and path.endswith("/files")


VERIFY_LIMIT = 64 * 1024 * 1024  # an e-copy presented for verification: a long scanned file


def body_limit(path: str) -> int:
    if path in ("/verify", "/api/verify"):
        return VERIFY_LIMIT
    if _is_upload(path):
        # Up to twice the file limit reaches the upload code, which records the file as refused
        # (so staff see it in the batch); beyond that the request itself is refused.
        return 2 * max_file_bytes() + API_BODY_LIMIT
    return API_BODY_LIMIT


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    body = {"error": {"code": code, "message": message}}
    response = JSONResponse(
        body, status_code=status, headers=dict(SECURITY_HEADERS) | {"Connection": "close"}
    )
    await response(scope, receive, send)


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


class RedactIdentifiers(logging.Filter):
    """Error lines and tracebacks (a database's DETAIL line quotes the row it refused) with every
    run of nine or more digits - a personal ID, a tax code, an old ID card number - masked."""

    DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")
    KEY_DETAIL = re.compile(r"(DETAIL:\s+Key \([^)]*\)=\()[^)]*(\))")

    def _clean(self, text: str) -> str:
        return self.DIGITS.sub("[đã ẩn]", self.KEY_DETAIL.sub(r"\1[đã ẩn]\2", text))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        record.msg = self._clean(record.getMessage())
        record.args = None
        return True


def access_log_config() -> dict:
    """uvicorn's logging, with the query string dropped from every access-log line and identifiers
    masked in error lines and tracebacks."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query"] = {"()": DropQueryString}
    config["filters"]["redact"] = {"()": RedactIdentifiers}
    config["handlers"]["access"]["filters"] = ["no_query"]
    config["handlers"]["default"]["filters"] = ["redact"]
    return config
