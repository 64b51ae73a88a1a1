"""The checks every file goes through before anything of it is stored, whatever channel brought it
(manifest inbox, upload page or API, drop zone): name, size, real format, readable pages, page size
in pixels. A refusal is a reason in Vietnamese; refused files are kept in quarantine for inspection."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from ocr.pages import BadInput, PageLimits, PdfSource, detect_format, open_source
from repository.errors import INVALID, DomainError
from repository.settings import threshold
from repository.storage import ObjectStore, keys

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def check_name(name: str) -> str:
    """The name a file is kept under: unicode (NFC) and spaces are fine; a path is refused."""
    name = unicodedata.normalize("NFC", name or "")
    if not name.strip():
        raise DomainError(INVALID, "empty_name", "Tên tệp trống / empty file name")
    if "/" in name or "\\" in name or name.strip() in (".", "..") or _UNSAFE.search(name):
        raise DomainError(
            INVALID,
            "unsafe_name",
            "Tên tệp chứa đường dẫn hoặc ký tự cấm / name holds a path or forbidden characters",
        )
    if len(name.encode("utf-8")) > 200:
        raise DomainError(INVALID, "name_too_long", "Tên tệp quá dài / file name too long")
    return name.strip()


def max_file_bytes() -> int:
    return int(threshold("intake", "max_file_mb") * 1024 * 1024)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def page_limits() -> PageLimits:
    return PageLimits(
        max_megapixels=threshold("intake", "max_page_megapixels"),
        min_render_dpi=threshold("intake", "min_render_dpi"),
        max_pages=int(threshold("intake", "max_pages")),
        seconds_per_page=float(threshold("intake", "seconds_per_page")),
    )


def check_input(path: Path) -> tuple[str, int]:
    """Bad input is refused before anything is stored: returns the real format and the page count,
    or raises BadInput."""
    size = path.stat().st_size
    limit = max_file_bytes()
    if size > limit:
        raise BadInput(
            f"Tệp quá lớn ({size / 2**20:.0f} MiB > {limit / 2**20:.0f} MiB) / file too large",
            code="too_large",
        )
    fmt = detect_format(path)
    source = open_source(
        path, page_limits()
    )  # parses headers: corrupt, encrypted and page-less files fail here
    try:
        if isinstance(source, PdfSource):
            source.check_contents()  # a page's content stream that inflates past the limit
        return fmt, len(source)
    finally:
        source.close()


def quarantine(path: Path, store: ObjectStore) -> str | None:
    """Keep a turned-away file for inspection, content-addressed (its name may carry personal data).

    Files over the size limit are not copied: they stay where records staff put them."""
    if not path.is_file() or path.stat().st_size > max_file_bytes():
        return None
    key = keys.quarantine_key(sha256_file(path))
    if store.size(key) != path.stat().st_size:
        store.put_file(key, path, "application/octet-stream")
    return key
