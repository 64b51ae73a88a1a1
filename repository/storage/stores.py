"""One object-storage interface, two backends: a local directory and any S3-compatible store (minio SDK).

Keys are opaque paths such as ``originals/3f/3f1c...`` or ``documents/<uuid>/searchable.pdf``; callers
never build keys from personal identifiers (see ``repository.storage.keys``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from repository.settings import Settings, load_settings

# Keys we write are ASCII; drop-zone keys carry the names records staff gave (unicode, spaces).
_KEY_RE = re.compile(r"^\w[\w .()\-/]*$")
CHUNK = 1024 * 1024
PARTIAL_DIR = ".partial"  # unfinished local writes; no key can start with a dot


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StorageError(Exception):
    """A storage operation failed or was asked for something invalid."""


class ObjectNotFound(StorageError, KeyError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"object not found: {self.key}"


def check_key(key: str) -> str:
    """Reject keys that could escape a prefix or a directory."""
    if not _KEY_RE.match(key) or ".." in key.split("/") or "//" in key or key.endswith("/"):
        raise StorageError(f"invalid object key: {key!r}")
    return key


class ObjectStore(ABC):
    """What every backend offers. Writes are whole-object and atomic: a reader never sees half a file."""

    url: str

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None: ...

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]: ...

    @abstractmethod
    def size(self, key: str) -> int | None:
        """Size in bytes, or None when there is no such object."""

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]: ...

    @abstractmethod
    def presigned_url(self, key: str, expires: timedelta = timedelta(minutes=5)) -> str | None:
        """A short-lived download URL, or None when the backend streams instead (local directory)."""

    def partial_writes(self) -> list[str]:
        """Writes a killed process left unfinished (never visible as objects). S3 puts are atomic."""
        return []

    def sweep_partial_writes(self) -> int:
        """Remove unfinished writes whose writer is gone; returns how many."""
        return 0

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def download(self, key: str, path: Path) -> None:
        with open(path, "wb") as out:
            for chunk in self.iter_chunks(key):
                out.write(chunk)


class LocalStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, key: str, writer) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the objects (same filesystem: the rename is atomic), never under a key, and
        # named after the writing process, so what a killed writer left is known for what it is.
        partial = self.root / PARTIAL_DIR
        partial.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=partial, prefix=f"{os.getpid()}@{socket.gethostname()}~")
        try:
            with os.fdopen(fd, "wb") as out:
                writer(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def partial_writes(self) -> list[str]:
        folder = self.root / PARTIAL_DIR
        return sorted(f"{PARTIAL_DIR}/{p.name}" for p in folder.iterdir()) if folder.is_dir() else []

    def sweep_partial_writes(self) -> int:
        swept = 0
        for name in self.partial_writes():
            path = self.root / name
            pid, _, host = path.name.partition("~")[0].partition("@")
            mine = host == socket.gethostname() and pid.isdigit()
            try:
                stale = not _alive(int(pid)) if mine else time.time() - path.stat().st_mtime > 86400
                if stale:
                    path.unlink()
                    swept += 1
            except FileNotFoundError:
                continue  # finished (renamed) or swept meanwhile
        return swept

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._write(key, lambda out: out.write(data))

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        def copy(out) -> None:
            with open(path, "rb") as src:
                shutil.copyfileobj(src, out, CHUNK)

        self._write(key, copy)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        try:
            src = open(self._path(key), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return _chunks(src, chunk_size)

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[str]:
        for dirpath, dirs, files in os.walk(self.root):
            if dirpath == str(self.root) and PARTIAL_DIR in dirs:
                dirs.remove(PARTIAL_DIR)
            for name in files:
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def presigned_url(self, key: str, expires: timedelta = timedelta(minutes=5)) -> str | None:
        check_key(key)
        return None


def _chunks(src: io.BufferedReader, chunk_size: int) -> Iterator[bytes]:
    with src:
        while chunk := src.read(chunk_size):
            yield chunk


class S3Store(ObjectStore):
    """MinIO, Ceph RGW, AWS S3 or anything else speaking S3, through the minio SDK."""

    def __init__(
        self,
        bucket: str,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        *,
        prefix: str = "",
        secure: bool = False,
        region: str | None = None,
    ) -> None:
        from minio import Minio

        parsed = urlparse(endpoint if "://" in endpoint else f"{'https' if secure else 'http'}://{endpoint}")
        self.client = Minio(
            parsed.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=parsed.scheme == "https",
            region=region,
        )
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}"
        if not self.client.bucket_exists(bucket):
            self.client.make_bucket(bucket)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(self.bucket, self._name(key), io.BytesIO(data), len(data), content_type)

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        self.client.fput_object(self.bucket, self._name(key), str(path), content_type=content_type)

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.iter_chunks(key))

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.bucket, self._name(key))
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject"}:
                raise ObjectNotFound(key) from None
            raise
        return _response_chunks(response, chunk_size)

    def size(self, key: str) -> int | None:
        from minio.error import S3Error

        try:
            return self.client.stat_object(self.bucket, self._name(key)).size
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}:
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, self._name(key))

    def list(self, prefix: str = "") -> Iterator[str]:
        for obj in self.client.list_objects(self.bucket, prefix=self.prefix + prefix, recursive=True):
            yield obj.object_name[len(self.prefix) :]

    def presigned_url(self, key: str, expires: timedelta = timedelta(minutes=5)) -> str | None:
        return self.client.presigned_get_object(self.bucket, self._name(key), expires=expires)


def _response_chunks(response, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from response.stream(chunk_size)
    finally:
        response.close()
        response.release_conn()


def open_store(settings: Settings | None = None) -> ObjectStore:
    """The store named by SOHOA_STORAGE_URL: ``file:///path`` or ``s3://bucket[/prefix]``."""
    settings = settings or load_settings()
    parsed = urlparse(settings.storage_url)
    if parsed.scheme == "file":
        return LocalStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        if not settings.s3_endpoint:
            raise StorageError("SOHOA_STORAGE_URL is s3://… but SOHOA_S3_ENDPOINT is not set")
        return S3Store(
            parsed.netloc,
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            prefix=parsed.path,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
    raise StorageError(f"unsupported SOHOA_STORAGE_URL scheme: {parsed.scheme!r} (use file:// or s3://)")
