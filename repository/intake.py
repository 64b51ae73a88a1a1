"""Intake: read and validate an inbox's manifest and register the batch and its items in the catalog.

A manifest (``manifest.csv`` or ``manifest.json`` in the inbox) has one row per file with: file,
case_code, procedure_code, owner_kind, owner_id, and optionally owner_name, agency_code,
document_type (declared, a hint) and kind (component | result). A bad row is turned away with its
reason; the rest of the batch goes on. Files in the inbox that no row names are reported too.
"""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from repository.catalog import Batch, BatchItem, DocumentKind, ItemStatus
from repository.db import migrate, session_scope
from repository.identifiers import InvalidIdentifier, normalize_owner
from repository.reuse import procedures

MANIFEST_NAMES = ("manifest.csv", "manifest.json")
REQUIRED = ("file", "case_code", "procedure_code", "owner_kind", "owner_id")
KIND_ALIASES = {
    "component": DocumentKind.COMPONENT,
    "thành phần": DocumentKind.COMPONENT,
    "thanh phan": DocumentKind.COMPONENT,
    "result": DocumentKind.RESULT,
    "kết quả": DocumentKind.RESULT,
    "ket qua": DocumentKind.RESULT,
}


class ManifestError(Exception):
    """The manifest as a whole cannot be read; the message names the file and the reason."""


@dataclass
class ManifestRow:
    number: int  # 1-based data row
    values: dict[str, str]


def find_manifest(inbox: Path) -> Path:
    for name in MANIFEST_NAMES:
        if (inbox / name).is_file():
            return inbox / name
    raise ManifestError(f"{inbox}: không tìm thấy manifest.csv hoặc manifest.json / no manifest in the inbox")


def read_manifest(path: Path) -> list[ManifestRow]:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"{path.name}: manifest phải mã hóa UTF-8 / manifest must be UTF-8") from None
    raw = unicodedata.normalize("NFC", raw)
    if path.suffix == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path.name}: JSON không hợp lệ / invalid JSON ({exc})") from None
        rows = data.get("documents") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ManifestError(f"{path.name}: cần một danh sách đối tượng / expected a list of objects")
    else:
        reader = csv.DictReader(raw.splitlines())
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(f"{path.name}: thiếu cột / missing columns: {', '.join(missing)}")
        rows = list(reader)
    return [
        ManifestRow(i, {str(k).strip(): "" if v is None else str(v).strip() for k, v in row.items() if k})
        for i, row in enumerate(rows, start=1)
    ]


def safe_member(inbox: Path, name: str) -> Path:
    """The inbox file a manifest row names; a name that climbs out of the inbox is refused."""
    if not name or "\x00" in name:
        raise ValueError("tên tệp trống / empty file name")
    candidate = (inbox / name).resolve()
    if not candidate.is_relative_to(inbox.resolve()) or Path(name).is_absolute():
        raise ValueError("tên tệp trỏ ra ngoài thư mục nhận / file name escapes the inbox")
    return candidate


def validate_row(inbox: Path, row: ManifestRow) -> tuple[dict[str, str | None], str | None]:
    """Normalized item fields and the reason the row is turned away (None when it is fine)."""
    v = row.values
    fields: dict[str, str | None] = {
        "filename": v.get("file", ""),
        "case_code": v.get("case_code") or None,
        "procedure_code": v.get("procedure_code") or None,
        "agency_code": v.get("agency_code") or None,
        "owner_kind": None,
        "owner_identifier": None,
        "owner_name": v.get("owner_name") or None,
        "declared_type": v.get("document_type") or None,
        "kind": KIND_ALIASES.get((v.get("kind") or "component").lower()),
    }
    try:
        path = safe_member(inbox, fields["filename"] or "")
    except ValueError as exc:
        return fields, str(exc)
    if not path.is_file():
        return fields, "không tìm thấy tệp trong thư mục nhận / file not found in the inbox"
    for column in ("case_code", "procedure_code"):
        if not fields[column]:
            return fields, f"thiếu {column} / missing {column}"
    if fields["procedure_code"] not in procedures():
        return fields, "mã thủ tục không có trong danh mục / unknown procedure code"
    if fields["kind"] is None:
        return fields, "kind phải là component/thành phần hoặc result/kết quả"
    try:
        fields["owner_kind"], fields["owner_identifier"] = normalize_owner(
            v.get("owner_kind", ""), v.get("owner_id", "")
        )
    except InvalidIdentifier as exc:
        return fields, str(exc)
    return fields, None


def register_batch(inbox: Path, run_id: str | None = None, database_url: str | None = None) -> str:
    """Record the batch and one item per manifest row (and per unlisted file). Returns the batch id.

    The same inbox with the same manifest is the same batch: re-running it reuses its rows.
    """
    migrate(database_url)  # cheap when current; a fresh home gets its catalog here
    inbox = Path(inbox).resolve()
    if not inbox.is_dir():
        raise ManifestError(f"{inbox}: thư mục nhận không tồn tại / inbox does not exist")
    manifest = find_manifest(inbox)
    rows = read_manifest(manifest)
    fingerprint = hashlib.sha256(str(inbox).encode() + b"\0" + manifest.read_bytes()).hexdigest()
    listed = {(inbox / r.values.get("file", "")).resolve() for r in rows}
    unlisted = sorted(
        p
        for p in inbox.rglob("*")
        if p.is_file() and p.name not in MANIFEST_NAMES and p.resolve() not in listed
    )
    with session_scope(database_url) as session:
        batch = session.scalar(select(Batch).where(Batch.fingerprint == fingerprint))
        if batch is None:
            batch = Batch(fingerprint=fingerprint, inbox=str(inbox), manifest_name=manifest.name, run_count=0)
            session.add(batch)
            session.flush()
        batch.last_run_id = run_id
        batch.run_count += 1
        batch.finished_at = None
        existing = {item.row_number: item for item in batch.items}
        for row in rows:
            fields, reason = validate_row(inbox, row)
            item = existing.get(row.number)
            if item is None:
                item = BatchItem(batch_id=batch.id, row_number=row.number, **fields)
                session.add(item)
            elif item.status in (ItemStatus.FAILED, ItemStatus.REJECTED, ItemStatus.PENDING):
                for name, value in fields.items():
                    setattr(item, name, value)
            else:
                continue  # stored or digitized earlier: nothing to redo
            item.status = ItemStatus.REJECTED if reason else ItemStatus.PENDING
            item.reason = reason
        # Unlisted files get negative row numbers so they never collide with manifest rows.
        for offset, path in enumerate(unlisted, start=1):
            number = -offset
            item = existing.get(number) or BatchItem(batch_id=batch.id, row_number=number)
            item.filename = path.relative_to(inbox).as_posix()
            item.status = ItemStatus.REJECTED
            item.reason = "tệp không có trong manifest / file not listed in the manifest"
            session.add(item)
        return batch.id


def active_items(batch_id: str, database_url: str | None = None) -> list[str]:
    """Items the pipeline must (re)visit: every stage skips what an earlier run already finished."""
    with session_scope(database_url) as session:
        return list(
            session.scalars(
                select(BatchItem.id)
                .where(BatchItem.batch_id == batch_id, BatchItem.status != ItemStatus.REJECTED)
                .order_by(BatchItem.row_number)
            )
        )
