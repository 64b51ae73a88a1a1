"""Understanding: what a document is (its type) and the fields a digitized record must carry.

Works on page texts (a text layer or OCR output), tolerant of OCR noise: labels and titles are
matched on text folded to plain ASCII (so dropped or wrong tone marks still match), digits are
repaired where OCR confuses O/0 and l/1, and identifiers are checked for structure. Every field keeps
its confidence (0-1) and where it came from (page, line). The type catalog is data:
``ocr/data/document_types.json``.
"""

from __future__ import annotations

from ocr.text import fold
from ocr.understand.classify import classify
from ocr.understand.dates import add_months, find_date
from ocr.understand.fields import canonical_issuer, extract, printed_owner_kinds
from ocr.understand.labels import repair_digits
from ocr.understand.owner_check import owner_conflicts
from ocr.understand.reading import Field, Line, Understanding, split_lines
from ocr.understand.registry import FIELD_NAMES, DocumentType, document_types

__all__ = ["FIELD_NAMES", "DocumentType", "Field", "Line", "Understanding", "add_months", "canonical_issuer",
           "classify", "document_types", "extract", "find_date", "fold", "owner_conflicts", "repair_digits",
           "split_lines", "understand"]  # fmt: skip


def understand(pages: list[tuple[int, str, float]], declared: str | None = None) -> Understanding:
    """Type and fields of one document from its pages: (page number, text, confidence 0-100)."""
    lines = split_lines(pages)
    code, confidence, contradicted = classify(lines, declared)
    reading = Understanding(code, confidence, declared, contradicted, extract(lines, code))
    reading.owner_kinds = printed_owner_kinds(lines)
    return reading
