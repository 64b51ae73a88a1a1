"""One contract, both backends: the local directory and S3 (moto's server over real HTTP)."""

from __future__ import annotations

import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from repository.storage import ObjectNotFound, StorageError


def test_put_get_roundtrip(store) -> None:
    store.put_bytes("originals/ab/abc.pdf", b"%PDF-1.7 hello", "application/pdf")
    assert store.get_bytes("originals/ab/abc.pdf") == b"%PDF-1.7 hello"
    assert store.size("originals/ab/abc.pdf") == 14
    assert store.exists("originals/ab/abc.pdf")


def test_put_file_and_download(store, tmp_path: Path) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB: more than one chunk
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    store.put_file("documents/d1/searchable.pdf", src, "application/pdf")
    out = tmp_path / "out.bin"
    store.download("documents/d1/searchable.pdf", out)
    assert out.read_bytes() == data
    assert b"".join(store.iter_chunks("documents/d1/searchable.pdf", 100_000)) == data


def test_overwrite_replaces_whole_object(store) -> None:
    store.put_bytes("documents/d1/text.txt", b"first version, longer")
    store.put_bytes("documents/d1/text.txt", b"second")
    assert store.get_bytes("documents/d1/text.txt") == b"second"


def test_missing_object(store) -> None:
    assert store.size("documents/none/text.txt") is None
    assert not store.exists("documents/none/text.txt")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("documents/none/text.txt")
    with pytest.raises(ObjectNotFound):
        store.iter_chunks("documents/none/text.txt")


def test_list_by_prefix(store) -> None:
    for key in (
        "documents/a/text.txt",
        "documents/a/searchable.pdf",
        "documents/b/text.txt",
        "originals/x/y.pdf",
    ):
        store.put_bytes(key, b"x")
    assert sorted(store.list("documents/a/")) == ["documents/a/searchable.pdf", "documents/a/text.txt"]
    assert len(list(store.list())) == 4


def test_delete(store) -> None:
    store.put_bytes("originals/de/del.png", b"x")
    store.delete("originals/de/del.png")
    assert not store.exists("originals/de/del.png")
    store.delete("originals/de/del.png")  # deleting twice is not an error


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/key", "a/../../b", "a//b", "dir/", "", "a\nb", "a*b"])
def test_invalid_keys_refused(store, key: str) -> None:
    with pytest.raises(StorageError):
        store.put_bytes(key, b"x")


def test_names_records_staff_give_are_valid_keys(store) -> None:
    """Drop-zone keys keep the file names staff chose: Vietnamese letters, spaces, parentheses."""
    key = "dropzone/lô 1/Giấy khai sinh (bản sao).png"
    store.put_bytes(key, b"scan")
    assert store.get_bytes(key) == b"scan" and key in list(store.list("dropzone/"))


def test_presigned_url(store, request) -> None:
    store.put_bytes("documents/p/text.txt", "hồ sơ".encode())
    url = store.presigned_url("documents/p/text.txt", expires=timedelta(minutes=2))
    if "local" in request.node.callspec.id:
        assert url is None  # the local backend streams through the API instead
        return
    assert url and "X-Amz-Expires=120" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read().decode() == "hồ sơ"
