"""Page images of a document for viewing: rendered on the server from its searchable PDF (the
upright page with its text layer), cached in the object store under the document's key, never given
a public URL (the routes that serve them check access first)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ocr.pages import pdf_page_png
from repository.catalog.models import Document
from repository.errors import NOT_FOUND, DomainError
from repository.storage import ObjectStore, keys

SIZES = {"thumb": 180, "page": 1100}  # pixels wide: a thumbnail strip, the viewer at 1366x768


def page_png(store: ObjectStore, document: Document, page: int, size: str) -> bytes:
    """The cached image, rendering (and caching) it on first use."""
    if size not in SIZES or not 1 <= page <= (document.page_count or 0):
        raise DomainError(NOT_FOUND, "page_not_found", f"Không có trang {page} / no such page")
    if document.searchable_key is None:
        raise DomainError(NOT_FOUND, "rendition_missing", "Giấy tờ chưa có bản PDF / not read yet")
    key = keys.preview_key(document.id, page, size)
    if store.exists(key):
        return store.get_bytes(key)
    with tempfile.TemporaryDirectory(prefix="sohoa-preview-") as tmp:
        local = Path(tmp, "searchable.pdf")
        store.download(document.searchable_key, local)
        image = pdf_page_png(local, page, SIZES[size])
    store.put_bytes(key, image, "image/png")
    return image
