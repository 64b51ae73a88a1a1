"""The records staff's other two ways in: ``sohoa upload`` against a running server, and the drop zone
(a directory or an object-store prefix) watched by ``sohoa watch`` / the ``watch_dropzone`` DAG."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repository.api import create_app
from repository.catalog.db import migrate
from repository.intake.batches import register_batch
from repository.intake.dropzone import PREFIX, dropzone_root, ready_inboxes
from repository.intake.samples import MANIFEST_COLUMNS, MINH
from tests.helpers import token_for

ROW = ["UBNL-261123-00600", "HT.TRICHLUC", "UBND.NL", "citizen", MINH.personal_id, MINH.name]


def write_batch(directory: Path, sample_batch: Path) -> Path:
    directory.mkdir(parents=True)
    shutil.copy(sample_batch / "hs02_giay_khai_sinh.png", directory / "khai sinh.png")
    (directory / "hong.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")
    with open(directory / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerow(["khai sinh.png", *ROW, "birth_certificate", "component"])
        writer.writerow(["hong.pdf", *ROW, "", "component"])
    return directory


def sohoa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "repository", *args], capture_output=True, text=True, env=os.environ.copy(),
        timeout=600,
    )  # fmt: skip


def test_cli_upload_follows_the_batch_to_the_end(home: Path, sample_batch: Path, tmp_path: Path, live_server):
    migrate()
    base = live_server(create_app())
    batch = write_batch(tmp_path / "lo", sample_batch)
    (batch / "ghi_chu.png").write_bytes(b"not listed")
    token = token_for("records_staff", "UBND.NL")
    done = sohoa("upload", str(batch), "--server", base, "--timeout", "300", "--token", token)
    out = " ".join(done.stdout.split())
    assert done.returncode == 1, done.stderr  # a file was turned away: scripts can tell
    assert "khai sinh.png" in out and ("Đã số hóa" in out or "Chờ kiểm tra" in out), out
    assert "hong.pdf" in out and "hỏng" in out
    assert "ghi_chu.png" in out and "không có trong manifest" in out
    unreachable = sohoa("upload", str(batch), "--server", "http://127.0.0.1:9", "--token", token)
    assert unreachable.returncode == 2 and "Không kết nối được" in unreachable.stderr


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_dropzone_finds_complete_new_batches(home: Path, sample_batch: Path, request, backend: str) -> None:
    store = request.getfixturevalue(f"{backend}_store")
    migrate()
    folder = write_batch(dropzone_root() / "lo-thu-muc", sample_batch)
    (dropzone_root() / "chua-xong").mkdir()  # no manifest yet: still arriving
    for path in sorted(folder.iterdir()):
        store.put_file(f"{PREFIX}lo-kho/{path.name}", path)
    store.put_bytes(f"{PREFIX}lo-dang-gui/khai sinh.png", b"partial")  # no manifest yet
    ready = ready_inboxes(quiet_seconds=0, store=store)
    names = sorted(Path(p).name for p in ready)
    assert names == ["lo-kho", "lo-thu-muc"], names
    fetched = next(Path(p) for p in ready if p.endswith("lo-kho"))
    assert (fetched / "khai sinh.png").read_bytes() == (folder / "khai sinh.png").read_bytes()
    assert ready_inboxes(quiet_seconds=3600, store=store) == []  # a scanner may still be writing
    register_batch(folder)
    assert [Path(p).name for p in ready_inboxes(quiet_seconds=0, store=store)] == ["lo-kho"]


def test_watch_once_digitizes_a_dropped_batch(home: Path, sample_batch: Path) -> None:
    write_batch(dropzone_root() / "lo-moi", sample_batch)
    done = sohoa("watch", "--once", "--quiet-seconds", "0")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "lo-moi" in done.stdout and "hong.pdf" in done.stdout
    assert ready_inboxes(quiet_seconds=0) == []
