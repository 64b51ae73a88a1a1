"""Small pieces several routers share: the audit call, timestamps, identifiers from a body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from repository.errors import INVALID, DomainError
from repository.identifiers import InvalidIdentifier, kind_from_length, normalize_owner
from repository.security import audit
from repository.security.auth import Principal


def log_access(
    who: Principal, action: str, *, session: Session | None = None, database_url: str | None = None,
    outcome: str = "allowed", **values: Any,
) -> None:  # fmt: skip
    """Put an access on the audit log. Given the route's session, the access and its record commit
    together; else the record is a transaction of its own."""
    event = {"actor": who.name, "role": who.role, "agency": who.agency, "action": action, "outcome": outcome}
    if session is None:
        audit.record(database_url, **event, **values)
    else:
        audit.append(session, **event, **values)


def iso(moment: datetime | None) -> str | None:
    """Timestamps are UTC; SQLite hands them back without their zone."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def typed_owner(identifier: str) -> tuple[str, str]:
    """A personal ID or tax code typed on a page, its kind told by its length; (kind, canonical)."""
    identifier = "".join(identifier.split())
    return owner_identity(kind_from_length(identifier), identifier)


def owner_identity(kind: str, identifier: str) -> tuple[str, str]:
    try:
        return normalize_owner(kind, identifier)
    except InvalidIdentifier as exc:
        raise DomainError(INVALID, "invalid_identifier", str(exc)) from None
