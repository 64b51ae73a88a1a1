"""Uploads: records staff hand over a batch through the web page or ``sohoa upload``.

An upload is an inbox of its own under ``$SOHOA_HOME/uploads/<upload id>/``: each file is streamed to
disk (size-limited) with its manifest row, then ``start`` writes ``manifest.json`` and starts the
digitization run - in the server's background in embedded mode, through Airflow's REST API in a
deployment (``SOHOA_AIRFLOW_URL``). Files on disk are never deleted by a failed run: nothing accepted
is lost. Status comes from the batch items the run creates, plus what was refused at upload.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select

from repository.catalog.db import session_scope
from repository.catalog.models import Batch, BatchItem, Document, DocumentStatus, ItemStatus
from repository.errors import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    DomainError,
)
from repository.identifiers import mask
from repository.intake.preflight import check_name, max_file_bytes
from repository.settings import load_settings
from repository.web import formatting

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
META_FIELDS = ("case_code", "procedure_code", "agency_code", "owner_kind", "owner_id", "owner_name",
               "document_type", "kind")  # fmt: skip

# What records staff read for each state (Vietnamese first).
LABELS = {
    "uploading": "Đang tải lên / uploading",
    "received": "Đã nhận / received",
    ItemStatus.PENDING: "Đã nhận, chờ xử lý / received",
    ItemStatus.STORED: "Đã lưu bản gốc / stored",
    ItemStatus.READING: "Đang đọc trang (OCR) / OCR",
    ItemStatus.DIGITIZED: "Đã số hóa / digitized",
    ItemStatus.NEEDS_REVIEW: "Chờ kiểm tra / needs review",
    ItemStatus.REJECTED: "Bị từ chối / rejected",
    ItemStatus.FAILED: "Lỗi xử lý / failed",
    "approved": "Đã duyệt / approved",
}
WAITING = {"queued": "Chờ đến lượt số hóa / queued", "running": "Đang khởi động quy trình / starting"}
# A document's later state, as the upload shows it.
DOCUMENT_OUTCOMES = {
    DocumentStatus.NEEDS_REVIEW: ItemStatus.NEEDS_REVIEW, DocumentStatus.APPROVED: "approved",
    DocumentStatus.REJECTED: ItemStatus.REJECTED, DocumentStatus.DIGITIZED: ItemStatus.DIGITIZED,
}  # fmt: skip
TERMINAL = {ItemStatus.DIGITIZED, ItemStatus.NEEDS_REVIEW, ItemStatus.REJECTED, ItemStatus.FAILED, "approved"}


def uploads_root() -> Path:
    return load_settings().home / "uploads"


def _directory(upload_id: str) -> Path:
    try:
        uuid.UUID(upload_id)
    except ValueError:
        raise DomainError(
            NOT_FOUND, "upload_not_found", "Không tìm thấy lượt tải lên / no such upload"
        ) from None
    path = uploads_root() / upload_id
    if not (path / "upload.json").is_file():
        raise DomainError(NOT_FOUND, "upload_not_found", "Không tìm thấy lượt tải lên / no such upload")
    return path


def _read(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "upload.json").read_text(encoding="utf-8"))


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(upload_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(upload_id, threading.Lock())


def _write(directory: Path, record: dict[str, Any]) -> None:
    tmp = directory / "upload.json.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False, indent=1))
        out.flush()
        os.fsync(out.fileno())  # an acknowledged state survives the machine, not only the process
    os.replace(tmp, directory / "upload.json")  # readers never see half a record


def create_upload(created_by: str | None = None) -> str:
    upload_id = str(uuid.uuid4())
    directory = uploads_root() / upload_id
    (directory / "files").mkdir(parents=True)
    _write(directory, {"id": upload_id, "state": "open", "created_at": _now(), "created_by": created_by,
                       "files": [], "run": None})  # fmt: skip
    return upload_id


def _now() -> str:
    return datetime.now(UTC).isoformat()


def add_file(upload_id: str, name: str, stream: BinaryIO, meta: dict[str, str | None]) -> dict[str, Any]:
    """Stream one file into the upload. A refused file is recorded with its reason; the upload goes on."""
    directory = _directory(upload_id)
    entry: dict[str, Any] = {"name": name, "status": "received", "reason": None, "size": 0}
    entry |= {k: (meta.get(k) or None) for k in META_FIELDS}
    limit = max_file_bytes()
    try:
        entry["name"] = safe = check_name(name)
    except DomainError as exc:
        entry |= {"status": ItemStatus.REJECTED, "reason": exc.message, "reason_code": exc.code}
        stream.read()  # drain; nothing is kept under a name that is a path
        return _append(directory, upload_id, entry)
    with _lock(upload_id):
        record = _read(directory)
        if record["state"] != "open":
            raise DomainError(
                CONFLICT, "upload_started", "Lượt tải lên đã bắt đầu xử lý / upload already started"
            )
        taken = {f["file"] for f in record["files"] if f.get("file")}
        stored_as = safe
        counter = 2
        while stored_as in taken or (directory / "files" / stored_as).exists():
            stem, dot, ext = safe.rpartition(".")
            stored_as = f"{stem} ({counter}).{ext}" if dot and stem else f"{safe} ({counter})"
            counter += 1
        target = directory / "files" / stored_as
        target.touch()  # claim the name before releasing the lock
    size = 0
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())  # on disk before the file is acknowledged
    if size > limit:
        target.unlink()
        while stream.read(CHUNK):  # drain what the client still sends
            pass
        reason = f"Tệp quá lớn (> {limit / 2**20:.0f} MiB), không được lưu / file too large, not kept"
        entry |= {"status": ItemStatus.REJECTED, "size": size, "reason": reason, "reason_code": "too_large"}
        return _append(directory, upload_id, entry)
    entry |= {"file": stored_as, "size": size}
    return _append(directory, upload_id, entry)


def _append(directory: Path, upload_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    with _lock(upload_id):
        record = _read(directory)
        entry["index"] = len(record["files"])
        record["files"].append(entry)
        _write(directory, record)
    return _public(entry)


def _public(entry: dict[str, Any], item: BatchItem | None = None) -> dict[str, Any]:
    status = entry["status"]
    reason, code = entry.get("reason"), entry.get("reason_code")
    pages = None
    document_id = None
    if item is not None:
        status, reason, pages, document_id = item.status, item.reason, item.page_count, item.document_id
        code = item.reason_code
    fixable = status in (ItemStatus.REJECTED, ItemStatus.FAILED)
    return {
        "index": entry["index"],
        "name": entry["name"],
        # A turned-away file is fixed from its row: what was declared comes back to its uploader (in
        # the body of their own upload's status, never a URL), and whether the original is kept.
        "declared": _declared(entry, fixable),
        "kept": bool(entry.get("file")) and fixable,
        "stored_as": entry.get("file"),
        "size": entry["size"],
        "document_type": entry.get("document_type"),
        "status": status,
        "label": LABELS.get(status, status),
        "reason": reason,
        "reason_code": code,
        "pages": pages,
        "document_id": document_id,
        "done": status in TERMINAL,
    }


def _declared(entry: dict[str, Any], fixable: bool) -> dict[str, str]:
    """The row as it was declared; the identifier whole only where the row is to be fixed."""
    declared = {k: entry.get(k) or "" for k in META_FIELDS}
    if not fixable and declared["owner_id"]:
        declared["owner_id"] = mask(declared["owner_id"])
    return declared


def start(
    upload_id: str, runner: BatchRunner | None = None, database_url: str | None = None
) -> dict[str, Any]:
    """Write the manifest of the accepted files and start the run."""
    directory = _directory(upload_id)
    with _lock(upload_id):
        record = _read(directory)
        if record["state"] != "open":
            raise DomainError(
                CONFLICT, "upload_started", "Lượt tải lên đã bắt đầu xử lý / upload already started"
            )
        accepted = [f for f in record["files"] if f.get("file") and f["status"] == "received"]
        if not accepted:
            raise DomainError(
                INVALID, "no_files", "Không có tệp hợp lệ để xử lý / no acceptable file to process"
            )
        rows = [{"file": f["file"], **{k: f.get(k) or "" for k in META_FIELDS}} for f in accepted]
        (directory / "files" / "manifest.json").write_text(
            json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        record["state"] = "started"
        record["run"] = {"state": "queued", "queued_at": _now()}
        _write(directory, record)
    (runner or default_runner()).submit(upload_id, directory / "files")
    return status(upload_id, database_url)


def _set_run(directory: Path, **values: Any) -> None:
    """Record the run's state on the upload (the directory is fixed at submit: settings may change)."""
    upload_id = directory.name
    with _lock(upload_id):
        record = _read(directory)
        record["run"] = (record.get("run") or {}) | values
        _write(directory, record)


def status(upload_id: str, database_url: str | None = None, record: dict | None = None) -> dict[str, Any]:
    """The upload's files and what became of them (``record``: its upload.json, when already read)."""
    directory = _directory(upload_id)
    record = record or _read(directory)
    inbox = str((directory / "files").resolve())
    items: dict[str, BatchItem] = {}
    with session_scope(database_url) as session:
        batch_id = session.scalar(select(Batch.id).where(Batch.inbox == inbox))
        if batch_id:
            for item in session.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id)):
                items[item.filename] = item
                session.expunge(item)
            # What became of the document since (a steward approved, rejected it; a type that always
            # waits for a steward): the uploader sees the document's state, not only the item's.
            ids = [i.document_id for i in items.values() if i.document_id]
            now = (
                dict(
                    session.execute(select(Document.id, Document.status).where(Document.id.in_(ids)))
                    .tuples()
                    .all()
                )
                if ids
                else {}
            )
            for item in items.values():
                later = now.get(item.document_id)
                if later in DOCUMENT_OUTCOMES and item.status in (
                    ItemStatus.DIGITIZED,
                    ItemStatus.NEEDS_REVIEW,
                ):
                    item.status = DOCUMENT_OUTCOMES[later]
    files = [_public(f, items.get(f.get("file") or "\0")) for f in record["files"]]
    run_state = (record.get("run") or {}).get("state")
    for f in files:  # accepted, not yet in the pipeline: say what it waits for rather than "received"
        if f["status"] == "received" and f["stored_as"] and run_state in WAITING:
            f["label"] = WAITING[run_state]
    done = record["state"] == "started" and all(f["done"] for f in files)
    run = record.get("run") or {}
    if run.get("state") == "failed" and not done:  # a run that died leaves nothing in progress
        done = True
    counts = {s: sum(f["status"] == s for f in files) for s in sorted({f["status"] for f in files})}
    return {
        "upload_id": upload_id,
        "state": record["state"],
        "batch_id": batch_id,
        "run": run,
        "files": files,
        "done": done,
        "counts": counts,
        "created_at": record["created_at"],
        "created": formatting.when(record["created_at"]),
        "outcome": outcome(record["state"], run, files, done),
    }


# A batch's outcome in the words of what happened to its files (never the run's own state: a run
# that "succeeded" may have turned every file away).
FINAL_WORDS = (
    ((ItemStatus.DIGITIZED, "approved"), "đã số hóa"),
    ((ItemStatus.NEEDS_REVIEW,), "chờ cán bộ kiểm tra"),
    ((ItemStatus.REJECTED,), "bị từ chối"),
    ((ItemStatus.FAILED,), "lỗi xử lý"),
)


def outcome(state: str, run: dict[str, Any], files: list[dict[str, Any]], done: bool) -> dict[str, str]:
    """``{"code", "text"}``: ok (all digitized), review (some wait for a steward), refused (some
    turned away), failed, running, open."""
    total = len(files)
    if state == "open":
        return {"code": "open", "text": f"Chưa gửi xong ({total} tệp đã nhận)"}
    parts = []
    for statuses, words in FINAL_WORDS:
        n = sum(f["status"] in statuses for f in files)
        if n:
            parts.append(f"{n} {words}")
    if not done:
        finished = sum(f["done"] for f in files)
        return {"code": "running", "text": f"Đang số hóa: xong {finished}/{total} tệp"}
    text = " · ".join(parts)
    refused = sum(f["status"] in (ItemStatus.REJECTED, ItemStatus.FAILED) for f in files)
    if run.get("state") == "failed" and not parts:
        return {
            "code": "failed",
            "text": "Quy trình dừng do lỗi hệ thống: báo quản trị; các tệp vẫn được giữ",
        }
    if refused == total:
        return {"code": "refused", "text": f"Không tệp nào được số hóa: {text}"}
    if refused:
        return {"code": "refused", "text": f"Có tệp cần sửa: {text}"}
    if any(f["status"] == ItemStatus.NEEDS_REVIEW for f in files):
        return {"code": "review", "text": text}
    return {"code": "ok", "text": f"Xong: {text}"}


# -- running the batch -----------------------------------------------------------------------------


@dataclass
class BatchRunner:
    """Runs uploaded batches one at a time in the background of the server (embedded mode): each in
    a ``sohoa run`` child process, so Airflow's in-process run never shares the server's state."""

    def __post_init__(self) -> None:
        self._queue: queue.Queue[tuple[str, Path]] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="sohoa-upload-runner", daemon=True)
        self._thread.start()

    def submit(self, upload_id: str, inbox: Path) -> None:
        self._queue.put((upload_id, inbox))

    def _work(self) -> None:
        while True:
            upload_id, inbox = self._queue.get()
            try:
                self.run(upload_id, inbox)
            except Exception:  # the next upload still runs; the failure is on this one's record
                log.exception("upload %s: run could not start", upload_id)
                _set_run(inbox.parent, state="failed", finished_at=_now())

    def run(self, upload_id: str, inbox: Path) -> None:
        _set_run(inbox.parent, state="running", started_at=_now())
        # The record says who digitized it: the records clerk who uploaded the batch.
        uploader = _read(inbox.parent).get("created_by")
        env = os.environ.copy() | ({"SOHOA_OPERATOR": uploader} if uploader else {})
        done = subprocess.run(
            [sys.executable, "-m", "repository", "run", str(inbox), "--json"],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        # Only the state goes on record: the summary names owners and belongs in the catalog, not logs.
        _set_run(inbox.parent, state="success" if done.returncode == 0 else "failed", finished_at=_now(),
                 exit_code=done.returncode)  # fmt: skip


class AirflowRunner(BatchRunner):
    """Deployment mode: trigger ``digitize_case_files`` through Airflow's REST API (v2, JWT auth).

    The upload directory must be on a volume the Airflow workers share (docker-compose.yml)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url, self.username, self.password = base_url.rstrip("/"), username, password
        super().__post_init__()

    def run(self, upload_id: str, inbox: Path) -> None:
        import httpx

        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            token = client.post("/auth/token", json={"username": self.username, "password": self.password})
            token.raise_for_status()
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            response = client.post(
                "/api/v2/dags/digitize_case_files/dagRuns",
                json={"logical_date": None, "conf": {"inbox": str(inbox)}},
                headers=headers,
            )
            response.raise_for_status()
        _set_run(inbox.parent, state="triggered", dag_run_id=response.json().get("dag_run_id"))


_runner: BatchRunner | None = None


def default_runner() -> BatchRunner:
    global _runner
    if _runner is None:
        settings = load_settings()
        if settings.airflow_url:
            _runner = AirflowRunner(settings.airflow_url, settings.airflow_user, settings.airflow_password)
        else:
            _runner = BatchRunner()
    return _runner


RESUMABLE = {"queued", "running"}


def resume_interrupted(runner: BatchRunner | None = None) -> list[str]:
    """At server start: uploads whose run was acknowledged (queued, or running when the server died)
    are submitted again. A run is idempotent per inbox - files already read are not read twice - so
    a batch cut off by a kill finishes instead of staying "running" for ever. Returns their ids."""
    root = uploads_root()
    resumed = []
    for record_file in sorted(root.glob("*/upload.json")) if root.is_dir() else []:
        try:
            record = json.loads(record_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("upload record unreadable: %s", record_file.parent.name)
            continue
        run = record.get("run") or {}
        if record.get("state") != "started" or run.get("state") not in RESUMABLE:
            continue
        directory = record_file.parent
        _set_run(directory, state="queued", resumed_at=_now(), interrupted_in=run.get("state"))
        (runner or default_runner()).submit(directory.name, directory / "files")
        resumed.append(directory.name)
    if resumed:
        log.info("resumed %d interrupted upload(s)", len(resumed))
    return resumed


def check_owner(upload_id: str, name: str) -> None:
    """Records staff see and change only the uploads they opened."""
    if _read(_directory(upload_id)).get("created_by") != name:
        raise DomainError(FORBIDDEN, "not_your_upload", "Lượt tải lên của người khác / another user's upload")


def list_uploads(
    limit: int = 20, created_by: str | None = None, database_url: str | None = None
) -> list[dict[str, Any]]:
    root = uploads_root()
    if not root.is_dir():
        return []
    records = [_read(d) for d in root.iterdir() if (d / "upload.json").is_file()]
    records = [r for r in records if created_by is None or r.get("created_by") == created_by]
    records.sort(key=lambda r: r["created_at"], reverse=True)
    listed = []
    for r in records[:limit]:
        current = status(r["id"], database_url, record=r)
        listed.append(
            {
                "upload_id": r["id"],
                "state": r["state"],
                "created_at": r["created_at"],
                "created": formatting.when(r["created_at"]),
                "files": len(r["files"]),
                "run": r.get("run"),
                "outcome": current["outcome"],
                "names": [f["name"] for f in current["files"]][:3],
            }
        )
    return listed


def add_again(upload_id: str, source_upload: str, index: int, meta: dict[str, str | None]) -> dict[str, Any]:
    """A turned-away file sent again with its row fixed: the original kept by the earlier upload is
    copied into this one (the clerk need not find the file on disk again)."""
    source = _directory(source_upload)
    files = _read(source)["files"]
    if not 0 <= index < len(files) or not files[index].get("file"):
        raise DomainError(
            NOT_FOUND, "original_not_kept",
            "Tệp gốc này không được giữ lại (bị từ chối khi tải lên): chọn tệp thay thế",
        )  # fmt: skip
    entry = files[index]
    with open(source / "files" / entry["file"], "rb") as original:
        return add_file(upload_id, entry["name"], original, meta)
