"""The document-type registry: each type's titles, hints, fields, validity and owner kind, as data
(``ocr/data/document_types.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ocr.text import fold

FIELD_NAMES = (
    "personal_id", "tax_code", "full_name", "date_of_birth", "number", "issue_date", "issuer",
    "signer", "summary", "valid_until", "scope", "recipients", "sex", "nationality", "place_of_origin",
    "place_of_residence",
)  # fmt: skip


@dataclass(frozen=True)
class DocumentType:
    code: str
    document_code: str  # mã giấy tờ
    name: str  # tên giấy tờ
    owner_kind: str
    title: tuple[str, ...]
    hints: tuple[str, ...]
    validity: str | dict
    required: tuple[str, ...]
    fields: tuple[str, ...]
    reusable: bool
    review: bool


@cache
def document_types() -> dict[str, DocumentType]:
    with resources.files("ocr.data").joinpath("document_types.json").open(encoding="utf-8") as f:
        raw = json.load(f)["types"]
    return {
        t["code"]: DocumentType(
            code=t["code"],
            document_code=t["document_code"],
            name=t["name"],
            owner_kind=t["owner_kind"],
            title=tuple(fold(x) for x in t["title"]),
            hints=tuple(fold(x) for x in t["hints"]),
            validity=t["validity"],
            required=tuple(t["required"]),
            fields=tuple(t["fields"]),
            reusable=t["reusable"],
            review=t["review"],
        )  # fmt: skip
        for t in raw
    }


# The interchange vocabulary of document types (`sohoa extract --json` and the real-paper ground
# truth read it): the administrative documents Nghị định 30/2020 names that it keeps apart; every
# other kind of administrative document (a notice, tờ trình, chỉ thị ...) is "other". Papers of a
# person or a company (cards, certificates) keep their own codes.
EXCHANGED_DOCUMENTS = ("decision", "official_letter", "plan", "report", "decree", "form")


def exchange_type(code: str | None) -> str | None:
    """A type code as the interchange vocabulary names it (see EXCHANGED_DOCUMENTS)."""
    kind = document_types().get(code or "")
    if kind is None or code in EXCHANGED_DOCUMENTS or not kind.document_code.startswith("VB."):
        return code
    return "other"
