"""The access audit log: append-only, tamper-evident by a hash chain.

Every read, download, reuse check, attach, correction and approval appends one event: who, role,
agency, case (the purpose), document, owner, when, outcome. Each event's hash covers its content and
the previous event's hash; ``audit_head`` keeps the count and the last hash, so editing, deleting,
reordering or cutting off the tail is detected by ``verify``. Identifiers are never written here:
owners appear by their opaque key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from repository.catalog.db import session_scope
from repository.catalog.models import AuditEvent, AuditHead
from repository.settings import load_settings
from repository.storage import ObjectStore

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
    from repository.catalog.models import Document

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


CHECKPOINTS = "audit/checkpoints/"


def audit_key() -> bytes:
    """The key that signs checkpoints: SOHOA_AUDIT_KEY, else a key file under SOHOA_HOME made on first
    use. Either way it lives outside the catalog, so whoever can rewrite the catalog cannot re-sign."""
    configured = load_settings().audit_key
    if configured:
        return configured.encode()
    path = load_settings().home / "audit.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _signature(payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(audit_key(), body, hashlib.sha256).hexdigest()


def checkpoint(store: ObjectStore, database_url: str | None = None) -> dict[str, Any]:
    """Anchor the chain outside the database: the head (count, last event, its hash), signed, in the
    object store. A later ``verify`` against these catches a cut tail or a rewritten chain, which the
    chain alone cannot (whoever deletes the tail can move the head too)."""
    with session_scope(database_url) as session:
        head = session.get(AuditHead, 1)
        last_id = session.scalar(select(func.max(AuditEvent.id))) or 0
        payload = {"count": head.count if head else 0, "last_id": last_id,
                   "last_hash": head.last_hash if head else GENESIS,
                   "at": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    document = payload | {"signature": _signature(payload)}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    store.put_bytes(f"{CHECKPOINTS}{stamp}.json", json.dumps(document).encode(), "application/json")
    return document


def _check_anchors(session: Session, store: ObjectStore, count: int) -> list[str]:
    problems: list[str] = []
    for key in sorted(store.list(CHECKPOINTS)):
        try:
            anchor = json.loads(store.get_bytes(key))
            payload = {k: anchor[k] for k in ("count", "last_id", "last_hash", "at")}
        except (ValueError, KeyError, TypeError):
            problems.append(f"mốc {key}: không đọc được / unreadable checkpoint")
            continue
        if not hmac.compare_digest(str(anchor.get("signature", "")), _signature(payload)):
            problems.append(f"mốc {key}: chữ ký sai / checkpoint signature does not hold")
            continue
        if not payload["last_id"]:
            continue
        anchored = session.get(AuditEvent, payload["last_id"])
        if count < payload["count"]:
            problems.append(
                f"mốc {payload['at']}: đã có {payload['count']} sự kiện (đến #{payload['last_id']}), nay còn"
                f" {count} / the log was cut after this checkpoint"
            )
        elif anchored is None or anchored.hash != payload["last_hash"]:
            problems.append(
                f"mốc {payload['at']}: sự kiện #{payload['last_id']} không còn như đã neo"
                " / the chain was rewritten since this checkpoint"
            )
    return problems


def verify(database_url: str | None = None, store: ObjectStore | None = None) -> Verification:
    """Walk the chain in order; name every event whose content, link or position does not hold; and,
    given the object store, check the chain against every signed checkpoint in it."""
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
        if store is not None:
            problems += _check_anchors(session, store, count)
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
