"""Users, API tokens and who may do what.

Tokens are random, shown once, stored as SHA-256 (a leaked catalog does not leak tokens), expire,
and can be revoked. Deployments with single sign-on send an OIDC/JWT bearer instead: its signature is
checked (HS256 with SOHOA_JWT_SECRET, or RS256 against SOHOA_JWT_JWKS_URL), and the ``role`` and
``agency`` claims give the user's rights.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import select

from repository.catalog.db import fetch_one, session_scope
from repository.catalog.models import ApiToken, UserAccount
from repository.errors import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    TOO_MANY,
    UNAUTHENTICATED,
    DomainError,
)
from repository.settings import load_settings

ROLES = ("records_staff", "officer", "steward", "admin")
TOKEN_PREFIX = "sohoa_"
# A page session is a secret of its own, stored like a token (hashed, expiring, revocable) but never
# the user's API token: signing out ends it on the server, and a stolen cookie dies within hours.
SESSION_PREFIX = "sohoa_session_"
SESSION_HOURS = 8


@dataclass(frozen=True)
class CaseRef:
    """A case as read with the caller's token, in the same statement (so always current: a case
    opened for the wrong applicant may be corrected or cancelled at the counter)."""

    id: str
    case_code: str
    procedure_code: str
    agency_code: str | None
    owner_id: str
    cancelled_at: object = None


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    agency: str | None
    via: str = "token"  # token | jwt | session
    # The case the request names, when it exists, fetched in the token check's round trip.
    case: CaseRef | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MIN_TOKEN_DAYS, MAX_TOKEN_DAYS = 1, 366


def add_user(
    name: str, role: str, agency: str | None, days: int = 90, database_url: str | None = None
) -> str:
    """Create the user (or give an existing one a new token); returns the token, shown only once."""
    if role not in ROLES:
        raise DomainError(
            INVALID, "unknown_role", f"vai trò phải là một trong {', '.join(ROLES)} / unknown role"
        )
    if not name.strip():
        raise DomainError(INVALID, "name_required", "Cần tên người dùng / a user name is required")
    if not MIN_TOKEN_DAYS <= days <= MAX_TOKEN_DAYS:  # the one rule, for the CLI and the API alike
        raise DomainError(
            INVALID, "invalid_days",
            f"Thời hạn mã phải từ {MIN_TOKEN_DAYS} đến {MAX_TOKEN_DAYS} ngày / token lifetime out of range",
        )  # fmt: skip
    with session_scope(database_url) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.name == name.strip()))
        if user is None:
            user = UserAccount(name=name.strip(), role=role, agency_code=agency)
            session.add(user)
            session.flush()
        elif (user.role, user.agency_code) != (role, agency):
            raise DomainError(
                CONFLICT,
                "user_exists",
                "Người dùng đã tồn tại với vai trò khác / user exists with another role",
            )
        return _issue(session, user, days)


def _issue(session, user: UserAccount, days: int) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token),
                         expires_at=datetime.now(UTC) + timedelta(days=days)))  # fmt: skip
    return token


def change_user(name: str, role: str, agency: str | None, database_url: str | None = None) -> bool:
    """Give a user another role or agency. Their live tokens and sessions are revoked: a token
    handed out for one role must not quietly carry another's rights. True when something changed."""
    if role not in ROLES:
        raise DomainError(
            INVALID, "unknown_role", f"vai trò phải là một trong {', '.join(ROLES)} / unknown role"
        )
    with session_scope(database_url) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.name == name))
        if user is None:
            raise DomainError(NOT_FOUND, "user_not_found", "Không có người dùng này / no such user")
        if (user.role, user.agency_code) == (role, agency):
            return False
        user.role, user.agency_code = role, agency
    revoke(name, database_url)
    return True


def revoke(name: str, database_url: str | None = None) -> int:
    """Revoke every live token of the user; returns how many."""
    with session_scope(database_url) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.name == name))
        if user is None:
            raise DomainError(NOT_FOUND, "user_not_found", "Không có người dùng này / no such user")
        tokens = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
        count = 0
        for token in tokens:
            token.revoked_at = datetime.now(UTC)
            count += 1
        return count


def list_users(database_url: str | None = None) -> list[dict]:
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        users = list(session.scalars(select(UserAccount).order_by(UserAccount.name)))
        result = []
        for user in users:
            live = [
                t for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
                if t.revoked_at is None and _aware(t.expires_at) > now
            ]  # fmt: skip
            result.append({"name": user.name, "role": user.role, "agency": user.agency_code,
                           "live_tokens": len(live),
                           "expires": max((_aware(t.expires_at) for t in live), default=None)})  # fmt: skip
        return result


def start_session(token: str, database_url: str | None = None) -> str:
    """A page session for the holder of ``token`` (checked here); returns the session secret for
    the cookie. An SSO JWT is its own short-lived session: it is kept as it is."""
    principal = authenticate(token, database_url)
    if is_jwt(token):
        return token
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    with session_scope(database_url) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.name == principal.name))
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(secret),
                             expires_at=datetime.now(UTC) + timedelta(hours=SESSION_HOURS)))  # fmt: skip
    return secret


def end_session(secret: str, database_url: str | None = None) -> None:
    """Sign-out: the session's row is revoked, so the same cookie opens nothing afterwards."""
    if not is_session(secret):
        return
    with session_scope(database_url) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)


def is_session(token: str) -> bool:
    return token.startswith(SESSION_PREFIX)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def authenticate(token: str, database_url: str | None = None, case_code: str | None = None) -> Principal:
    """The principal behind a bearer token (ours, or a JWT from the single sign-on).

    With ``case_code``, the case is read in the same statement (officers name one on every read),
    saving the route a round trip; a case that does not exist yet is looked up again by the route."""
    if not token:
        raise DomainError(UNAUTHENTICATED, "unauthenticated", "Cần đăng nhập / authentication required")
    if is_jwt(token):
        return _from_jwt(token)
    row = fetch_one(
        database_url or load_settings().database_url,
        "SELECT t.revoked_at, t.expires_at, u.name, u.role, u.agency_code,"
        " c.id, c.case_code, c.procedure_code, c.agency_code, c.owner_id, c.cancelled_at"
        " FROM api_token t JOIN user_account u ON u.id = t.user_id"
        " LEFT JOIN case_file c ON c.case_code = :case"
        " WHERE t.token_hash = :hash",
        {"hash": hash_token(token), "case": case_code},
    )
    if row is None:
        raise DomainError(UNAUTHENTICATED, "invalid_token", "Mã truy cập không hợp lệ / invalid token")
    revoked_at, expires_at, name, role, agency = row[:5]
    if revoked_at is not None:
        raise DomainError(UNAUTHENTICATED, "token_revoked", "Mã truy cập đã bị thu hồi / token revoked")
    if isinstance(expires_at, str):  # SQLite keeps timestamps as ISO text
        expires_at = datetime.fromisoformat(expires_at)
    if _aware(expires_at) <= datetime.now(UTC):
        raise DomainError(UNAUTHENTICATED, "token_expired", "Mã truy cập đã hết hạn / token expired")
    return Principal(name, role, agency, case=CaseRef(*row[5:]) if row[5] is not None else None)


def is_jwt(token: str) -> bool:
    return not token.startswith(TOKEN_PREFIX) and token.count(".") == 2


@cache
def _jwks_client(url: str):
    import jwt

    return jwt.PyJWKClient(url)  # keeps the fetched keys: one JWKS download, not one per request


def _from_jwt(token: str) -> Principal:
    import jwt

    settings = load_settings()
    secret, jwks, audience = settings.jwt_secret, settings.jwt_jwks_url, settings.jwt_audience
    options = {"require": ["exp", "sub"]}
    try:
        if jwks:
            key = _jwks_client(jwks).get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256", "ES256"], audience=audience, options=options)
        elif secret:
            claims = jwt.decode(token, secret, algorithms=["HS256"], audience=audience, options=options)
        else:
            raise DomainError(UNAUTHENTICATED, "invalid_token", "Mã truy cập không hợp lệ / invalid token")
    except jwt.PyJWTError as exc:
        raise DomainError(
            UNAUTHENTICATED, "invalid_token", f"JWT không hợp lệ / invalid JWT ({type(exc).__name__})"
        ) from None
    role = claims.get("role")
    if role not in ROLES:
        raise DomainError(
            FORBIDDEN, "no_role", "JWT không mang vai trò hợp lệ / the JWT carries no known role"
        )
    return Principal(str(claims["sub"]), role, claims.get("agency"), via="jwt")


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
                raise DomainError(
                    TOO_MANY, "too_many_attempts", "Đăng nhập sai quá nhiều lần, thử lại sau / slow down"
                )

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(time.monotonic())
