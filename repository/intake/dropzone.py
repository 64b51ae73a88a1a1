"""The drop zone: a batch (files + manifest) placed under the drop zone starts a run by itself.

Two places count: a directory (``$SOHOA_HOME/dropzone/<batch>/``, or SOHOA_DROPZONE) and the object
store prefix ``dropzone/<batch>/`` (a bucket prefix on S3). A batch is ready when it has a manifest
and nothing in it changed for a while (a scanner may still be writing); a bucket batch is first
copied to a local inbox. A batch already registered is never started again by the watcher (re-run it
with ``sohoa run``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import select

from repository.catalog.db import migrate, session_scope
from repository.catalog.models import Batch
from repository.intake.batches import MANIFEST_NAMES
from repository.settings import load_settings
from repository.storage import ObjectStore, open_store

log = logging.getLogger(__name__)

PREFIX = "dropzone/"


def dropzone_root() -> Path:
    return load_settings().dropzone_root


def _settled(directory: Path, quiet_seconds: float) -> bool:
    newest = max((p.stat().st_mtime for p in directory.rglob("*") if p.is_file()), default=0.0)
    return time.time() - newest >= quiet_seconds


def _registered(inboxes: list[Path], database_url: str | None) -> set[str]:
    names = [str(p.resolve()) for p in inboxes]
    if not names:
        return set()
    with session_scope(database_url) as session:
        return set(session.scalars(select(Batch.inbox).where(Batch.inbox.in_(names))))


def fetch_bucket_batches(store: ObjectStore, target: Path) -> list[Path]:
    """Copy each ``dropzone/<batch>/`` prefix that holds a manifest into ``target/<batch>/``."""
    batches: dict[str, list[str]] = {}
    for key in store.list(PREFIX):
        parts = key[len(PREFIX) :].split("/", 1)
        if len(parts) == 2 and parts[1]:
            batches.setdefault(parts[0], []).append(parts[1])
    fetched = []
    for name, members in sorted(batches.items()):
        if not any(m in MANIFEST_NAMES for m in members):
            continue  # still arriving: the manifest is written last
        local = target / name
        for member in members:
            path = local / member
            if not path.exists() or path.stat().st_size != store.size(PREFIX + name + "/" + member):
                path.parent.mkdir(parents=True, exist_ok=True)
                store.download(PREFIX + name + "/" + member, path)
        fetched.append(local)
    return fetched


def ready_inboxes(
    quiet_seconds: float = 30.0, store: ObjectStore | None = None, database_url: str | None = None
) -> list[str]:
    """Inboxes in the drop zone that are complete and not started yet (absolute paths)."""
    migrate(database_url)
    root = dropzone_root()
    candidates = []
    if root.is_dir():
        candidates += [d for d in sorted(root.iterdir()) if d.is_dir()]
    store = store or open_store()
    candidates += fetch_bucket_batches(store, load_settings().home / "dropzone-bucket")
    complete = [
        d for d in candidates if any((d / n).is_file() for n in MANIFEST_NAMES) and _settled(d, quiet_seconds)
    ]
    started = _registered(complete, database_url)
    ready = [str(d.resolve()) for d in complete if str(d.resolve()) not in started]
    if ready:
        log.info("drop zone: %d batch(es) ready", len(ready))
    return ready
