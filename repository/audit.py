"""The access audit log: append-only, tamper-evident by a hash chain.

Every read, download, reuse check, attach, correction and approval appends one event: who, role,
agency, case (the purpose), document, owner, when, outcome. Each event's hash covers its content and
the previous event's hash; ``audit_head`` keeps the count and the last hash, so editing, deleting,
reordering or cutting off the tail is detected by ``verify``. Identifiers are never written here:
owners appear by their opaque key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from repository.catalog import AuditEvent, AuditHead
from repository.db import session_scope

GENESIS = "0" * 64


FIELDS = ("actor", "role", "agency", "action", "case_code", "document_id", "owner_id", "outcome", "detail")


def _canonical(at: datetime, values: dict[str, Any]) -> str:
    # SQLite hands timestamps back without their zone: they are UTC either way.
    body = {"at": (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()}
    body |= {name: values.get(name) for name in FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(previous: str, event: AuditEvent) -> str:
    canonical = _canonical(event.at, {name: getattr(event, name) for name in FIELDS})
    return hashlib.sha256((previous + canonical).encode("utf-8")).hexdigest()


# PostgreSQL appends in one statement (one round trip): lock the head, chain, insert, move the head.
# sha256() is built into PostgreSQL 11+; the hash is the same one verify() recomputes in Python.
_APPEND_PG = text("""
WITH head AS (SELECT last_hash FROM audit_head WHERE id = 1 FOR UPDATE),
event AS (
    INSERT INTO audit_event (at, actor, role, agency, action, case_code, document_id, owner_id, outcome,
                             detail, prev_hash, hash)
    SELECT :at, :actor, :role, :agency, :action, :case_code, :document_id, :owner_id, :outcome,
           CAST(:detail AS json), head.last_hash,
           encode(sha256(convert_to(head.last_hash || :canonical, 'UTF8')), 'hex')
    FROM head
    RETURNING hash
)
UPDATE audit_head SET count = count + 1, last_hash = (SELECT hash FROM event) WHERE id = 1
""")


def append(
    session: Session,
    *,
    actor: str,
    role: str,
    agency: str | None,
    action: str,
    outcome: str,
    case_code: str | None = None,
    document_id: str | None = None,
    owner_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append in the caller's transaction, so an access and its record commit together; the head row
    is locked so two writers never fork the chain."""
    values = {"actor": actor, "role": role, "agency": agency, "action": action, "outcome": outcome,
              "case_code": case_code, "document_id": document_id, "owner_id": owner_id,
              "detail": detail or {}}  # fmt: skip
    at = datetime.now(UTC).replace(microsecond=0)
    if session.get_bind().dialect.name == "postgresql":
        connection = session.connection()
        params = values | {"at": at, "detail": json.dumps(values["detail"], ensure_ascii=False),
                           "canonical": _canonical(at, values)}  # fmt: skip
        if connection.execute(_APPEND_PG, params).rowcount == 0:
            # A new catalog has no head yet: the statement found none, so it wrote nothing. Start the
            # chain (a concurrent first writer may win; then we chain after its event) and append.
            connection.execute(text("INSERT INTO audit_head VALUES (1, 0, :g) ON CONFLICT (id) DO NOTHING"),
                               {"g": GENESIS})  # fmt: skip
            connection.execute(_APPEND_PG, params)
        return
    head = session.get(AuditHead, 1)
    if head is None:
        head = AuditHead(id=1, count=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    event = AuditEvent(at=at, prev_hash=head.last_hash, **values)
    event.hash = _digest(head.last_hash, event)
    session.add(event)
    head.count += 1
    head.last_hash = event.hash


def record(database_url: str | None = None, **values: Any) -> None:
    """Append one event in a transaction of its own."""
    with session_scope(database_url) as session:
        append(session, **values)


def record_document_action(
    database_url: str | None, *, actor: str, role: str, agency: str | None, action: str, document_id: str,
    detail: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """A steward's action on a document (API or CLI), on record under the document's owner."""
    from repository.catalog import Document

    with session_scope(database_url) as session:
        owner_id = session.scalar(select(Document.owner_id).where(Document.id == document_id))
        append(session, actor=actor, role=role, agency=agency, action=action, outcome="allowed",
               document_id=document_id, owner_id=owner_id, detail=detail)  # fmt: skip


@dataclass
class Verification:
    events: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(database_url: str | None = None) -> Verification:
    """Walk the chain in order; name every event whose content, link or position does not hold."""
    problems: list[str] = []
    previous, count, last_id = GENESIS, 0, 0
    with session_scope(database_url) as session:
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            count += 1
            if event.prev_hash != previous:
                problems.append(
                    f"sự kiện #{event.id}: mắt xích trước bị thiếu hoặc đảo / chain broken before it"
                )
            if _digest(event.prev_hash, event) != event.hash:
                problems.append(f"sự kiện #{event.id}: nội dung đã bị sửa / content was edited")
            if event.id != last_id + 1 and last_id:
                problems.append(
                    f"sự kiện #{event.id}: thiếu sự kiện #{last_id + 1}..#{event.id - 1} / events deleted"
                )
            previous, last_id = event.hash, event.id
        head = session.get(AuditHead, 1)
        if head is not None and (head.count != count or head.last_hash != previous):
            problems.append(
                f"đầu chuỗi ghi {head.count} sự kiện, còn {count} / the log's tail was cut or the head edited"
            )
    return Verification(events=count, problems=problems)


def owner_history(owner_id: str, database_url: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """A citizen's access history: who looked at or used their documents, when, why (case), outcome."""
    with session_scope(database_url) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.owner_id == owner_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
        return [
            {"at": e.at.isoformat(), "actor": e.actor, "role": e.role, "agency": e.agency, "action": e.action,
             "case_code": e.case_code, "document_id": e.document_id, "outcome": e.outcome}
            for e in events
        ]  # fmt: skip
