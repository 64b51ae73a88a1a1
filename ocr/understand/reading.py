"""What understanding produces (fields with confidence and place) and the lines it reads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from ocr.text import fold, respace
from ocr.understand.registry import DocumentType, document_types, exchange_type


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
    # Kinds of owner identifier printed (labelled) anywhere on it, whatever its type's fields are.
    owner_kinds: set[str] = field(default_factory=set)

    @property
    def document_type(self) -> DocumentType | None:
        return document_types().get(self.type or "")

    @property
    def missing(self) -> list[str]:
        kind = self.document_type
        return [name for name in (kind.required if kind else ()) if name not in self.fields]

    def as_json(self) -> dict:
        """The interchange form: ``type`` in the exchanged vocabulary (``registry.exchange_type``: a
        notice is "other"), ``document_type`` the registry's own code and name."""
        kind = self.document_type
        return {
            "type": exchange_type(self.type),
            "document_type": self.type,
            "document_name": kind.name if kind else None,
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
    """(page number, text, confidence 0-100) -> non-empty lines, folded for matching, with the
    official layout's two columns taken apart (``split_columns``)."""
    lines = []
    for number, text, confidence in pages:
        for i, raw in enumerate(unicodedata.normalize("NFC", text).splitlines(), start=1):
            text = raw.strip()
            if text:
                # Words in capitals (headers, names) lose the spaces between syllables on tight bold type.
                text = respace(text)
                lines.append(Line(number, i, text, fold(text), min(confidence, 100) / 100))
    return split_columns(lines)


# Nghị định 30/2020 lays a document's head out in two columns: the issuing body over the number on
# the left, the national motto over the place and date on the right. OCR reads them across, one line
# each: "ỦY BAN NHÂN DÂN  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 12/QĐ-UBND  Hà Nội, ngày 5 ...".
# The motto, its vowel forgiven: heavy scans give "Đậc lập" ("dac lap"). A line that starts with it
# is the right column alone.
_MOTTO = r"(?:cong hoa xa hoi|d[a-z]c lap\s*[-–—]+\s*tu do)"  # OCR reads the dash long or doubled
_MOTTO_START = r"(?:cong hoa|d[a-z]c lap)"
_RIGHT_COLUMN = re.compile(rf"\s(?={_MOTTO}|[a-z][a-z .\-]{{1,40}}[,;.]\s*ngay\s*\d)")


def _head_columns(line: Line) -> tuple[Line, Line] | None:
    """A head line read across both columns, as its left and right parts; None for any other line.
    On the left stands an agency in capitals over the motto, or the document's number beside its
    place and date; never a sentence of the body."""
    if re.match(_MOTTO_START, line.folded):
        return None
    match = _RIGHT_COLUMN.search(line.folded, 1)
    if match is None:
        return None
    left_text, left_folded = line.text[: match.start()].strip(), line.folded[: match.start()].strip()
    if re.match(_MOTTO_START, line.folded[match.end() :]):
        head = left_text.upper() == left_text
    else:
        head = re.match(r"so\b", left_folded) is not None
    if not head or not 0 < len(left_text) <= 60:
        return None
    start = match.end()
    return (
        replace(line, text=left_text, folded=left_folded),
        replace(line, text=line.text[start:].strip(), folded=line.folded[start:].strip()),
    )


def split_columns(lines: list[Line]) -> list[Line]:
    """Each head line read across both columns becomes its left part and its right part; the left
    column's lines come first, in order, then the right column's (the issuer reads as one block)."""
    out: list[Line] = []
    right: list[Line] = []
    for line in lines:
        columns = _head_columns(line)
        if columns:
            out.append(columns[0])
            right.append(columns[1])
        elif right and line.folded.strip(" .-") in _MOTTO_ENDS:
            right.append(line)  # the motto's end, wrapped: still the right column
        else:
            out.extend(right)
            right = []
            out.append(line)
    return out + right


_MOTTO_ENDS = ("nam", "viet nam", "nghia viet nam", "chu nghia viet nam", "hanh phuc", "tu do - hanh phuc")
