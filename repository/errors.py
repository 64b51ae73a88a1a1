"""The one error users are shown: a stable code, a Vietnamese message, and what kind of refusal it is.

Domain code raises ``DomainError(kind, code, message)``; the API maps the kind to an HTTP status (one
handler, ``repository.api.errors``) and the CLI to an exit code (``repository.cli.app``). No domain
module knows about HTTP.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    INVALID = "invalid"  # the request or its data is wrong: fix it and retry
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the state does not allow it (already started, another owner's...)
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    TOO_MANY = "too_many"  # slow down
    TOO_LARGE = "too_large"
    GONE = "gone"  # it was there and is not any more


INVALID, NOT_FOUND, CONFLICT = Kind.INVALID, Kind.NOT_FOUND, Kind.CONFLICT
UNAUTHENTICATED, FORBIDDEN, TOO_MANY, TOO_LARGE, GONE = (
    Kind.UNAUTHENTICATED, Kind.FORBIDDEN, Kind.TOO_MANY, Kind.TOO_LARGE, Kind.GONE,
)  # fmt: skip


class DomainError(Exception):
    def __init__(self, kind: Kind, code: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.code, self.message = kind, code, message

    def __str__(self) -> str:
        return self.message
