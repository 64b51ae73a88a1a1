"""What understanding produces (fields with confidence and place) and the lines it reads."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ocr.text import fold
from ocr.understand.registry import DocumentType, document_types


@dataclass
class Field:
    value: str
    confidence: float  # 0-1
    page: int
    line: int  # 1-based line on the page
    source: str = "text"  # "text" (read), "default" (type's rule), "declared"

    def as_json(self) -> dict:
        return {"value": self.value, "confidence": round(self.confidence, 3), "page": self.page,
                "line": self.line}  # fmt: skip


@dataclass
class Understanding:
    type: str | None
    type_confidence: float
    declared_type: str | None = None
    contradicted: bool = False  # the declared type disagrees with what the text says
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def document_type(self) -> DocumentType | None:
        return document_types().get(self.type or "")

    @property
    def missing(self) -> list[str]:
        kind = self.document_type
        return [name for name in (kind.required if kind else ()) if name not in self.fields]

    def as_json(self) -> dict:
        return {
            "type": self.type,
            "type_confidence": round(self.type_confidence, 3),
            "fields": {name: f.as_json() for name, f in self.fields.items()},
        }


@dataclass
class Line:
    page: int
    number: int
    text: str  # NFC as read
    folded: str
    confidence: float  # 0-1, of the page it is on


def split_lines(pages: list[tuple[int, str, float]]) -> list[Line]:
    """(page number, text, confidence 0-100) -> non-empty lines, folded for matching."""
    lines = []
    for number, text, confidence in pages:
        for i, raw in enumerate(unicodedata.normalize("NFC", text).splitlines(), start=1):
            if raw.strip():
                lines.append(Line(number, i, raw.strip(), fold(raw.strip()), min(confidence, 100) / 100))
    return lines
