"""Intake: read and validate an inbox's manifest and register the batch and its items in the catalog.

A manifest (``manifest.csv`` or ``manifest.json`` in the inbox) has one row per file with: file,
case_code, procedure_code, owner_kind, owner_id, and optionally owner_name, agency_code,
document_type (declared, a hint) and kind (component | result). A bad row is turned away with its
reason; the rest of the batch goes on. Files in the inbox that no row names are reported too.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import select

from repository.catalog.db import migrate, session_scope
from repository.catalog.models import Batch, BatchItem, ItemStatus
from repository.intake.manifest import (
    MANIFEST_NAMES,
    ManifestError,
    Reason,
    find_manifest,
    inbox_files,
    read_manifest,
    validate_row,
)

log = logging.getLogger(__name__)


def register_batch(inbox: Path, run_id: str | None = None, database_url: str | None = None) -> str:
    """Record the batch and one item per manifest row (and per unlisted file). Returns the batch id.

    The same inbox with the same manifest is the same batch: re-running it reuses its rows.
    """
    migrate(database_url)  # cheap when current; a fresh home gets its catalog here
    inbox = Path(inbox).resolve()
    if not inbox.is_dir():
        raise ManifestError(f"{inbox}: thư mục nhận không tồn tại / inbox does not exist")
    try:
        manifest = find_manifest(inbox)
        rows = read_manifest(manifest)
    except ManifestError as exc:
        return _refuse_batch(inbox, str(exc), run_id, database_url)
    fingerprint = hashlib.sha256(str(inbox).encode() + b"\0" + manifest.read_bytes()).hexdigest()
    files, undecodable = inbox_files(inbox)
    validated = [(row, *validate_row(inbox, row, files)) for row in rows]
    listed = {fields["filename"] for _row, fields, _reason in validated}
    unlisted = [(name, NOT_LISTED) for name in files.values() if name not in listed]
    unlisted += [(name, UNDECODABLE_NAME) for name in undecodable]
    with session_scope(database_url) as session:
        batch = session.scalar(select(Batch).where(Batch.fingerprint == fingerprint))
        if batch is None:
            batch = Batch(fingerprint=fingerprint, inbox=str(inbox), manifest_name=manifest.name, run_count=0)
            session.add(batch)
            session.flush()
        batch.last_run_id = run_id
        batch.run_count += 1
        batch.finished_at = None
        batch.reason = None
        existing = {item.row_number: item for item in batch.items}
        for row, fields, reason in validated:
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
            item.reason, item.reason_code = reason, getattr(reason, "code", None)
        # Unlisted files get negative row numbers so they never collide with manifest rows.
        for offset, (name, why) in enumerate(unlisted, start=1):
            number = -offset
            item = existing.get(number) or BatchItem(batch_id=batch.id, row_number=number)
            item.filename = name
            item.status = ItemStatus.REJECTED
            item.reason, item.reason_code = why, why.code
            session.add(item)
        return batch.id


UNDECODABLE_NAME = Reason(
    "tên tệp không phải UTF-8, hãy đổi tên tệp rồi gửi lại / file name is not UTF-8: rename and resend",
    "name_not_utf8",
)
NOT_LISTED = Reason("tệp không có trong manifest / file not listed in the manifest", "not_listed")


def _refuse_batch(inbox: Path, reason: str, run_id: str | None, database_url: str | None) -> str:
    """A batch whose manifest cannot be read is recorded as refused, with the reason staff see;
    nothing in it is read. Handing in a corrected manifest makes a new batch."""
    manifest = next((inbox / n for n in MANIFEST_NAMES if (inbox / n).is_file()), None)
    content = manifest.read_bytes() if manifest else b""
    fingerprint = hashlib.sha256(str(inbox).encode() + b"\0" + content).hexdigest()
    with session_scope(database_url) as session:
        batch = session.scalar(select(Batch).where(Batch.fingerprint == fingerprint))
        if batch is None:
            batch = Batch(fingerprint=fingerprint, inbox=str(inbox), run_count=0,
                          manifest_name=manifest.name if manifest else "")  # fmt: skip
            session.add(batch)
        batch.last_run_id, batch.reason, batch.finished_at = run_id, reason, None
        batch.run_count += 1
        session.flush()
        log.warning("batch %s refused: %s", batch.id, reason)
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
