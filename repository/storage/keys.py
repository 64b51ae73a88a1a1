"""Object keys. Originals are content-addressed; renditions hang off the opaque document id.

No key is ever built from an owner identifier, a name or a case code: keys end up in logs and URLs.
"""

from __future__ import annotations

EXTENSIONS = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif"}


def original_key(sha256: str, fmt: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}{EXTENSIONS[fmt]}"


def searchable_key(document_id: str) -> str:
    return f"documents/{document_id}/searchable.pdf"


def text_key(document_id: str) -> str:
    return f"documents/{document_id}/text.txt"


def ocr_key(document_id: str) -> str:
    """Per-page, per-line and per-word confidences and boxes from the OCR engine (JSON)."""
    return f"documents/{document_id}/ocr.json"


def quarantine_key(sha256: str) -> str:
    """A file turned away at intake, kept for inspection; its reason is on the batch item."""
    return f"quarantine/{sha256[:2]}/{sha256}"


def preview_key(document_id: str, page: int, size: str) -> str:
    """A page image rendered for viewing (thumb or page size), cached beside the renditions."""
    return f"documents/{document_id}/pages/{page:04d}-{size}.png"


def ecopy_key(document_id: str, ecopy_id: str) -> str:
    """A signed e-copy; every one issued is kept (an old copy still verifies, as replaced)."""
    return f"documents/{document_id}/ecopy/{ecopy_id}.pdf"
