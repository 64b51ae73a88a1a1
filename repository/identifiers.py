"""Owner identifiers as the repository takes them: kind + canonical identifier, and masking for screens.

The structural checks themselves live in ``ocr.identifiers`` (extraction uses them too).
"""

from __future__ import annotations

from ocr.identifiers import InvalidIdentifier, normalize_tax_code, parse_personal_id
from repository.catalog.models import OwnerKind

__all__ = [
    "InvalidIdentifier",
    "kind_from_length",
    "mask",
    "masked_fields",
    "normalize_owner",
    "parse_personal_id",
]

# Extracted fields that hold a personal identifier: shown masked wherever the owner's is.
IDENTIFIER_FIELDS = frozenset({"personal_id", "tax_code"})


def kind_from_length(identifier: str) -> str:
    """The owner kind an identifier typed without one says by its length: 12 digits are a personal ID,
    anything else is taken for a tax code (whose own check then says what is wrong)."""
    return OwnerKind.CITIZEN if len("".join(identifier.split())) == 12 else OwnerKind.ORGANIZATION


def normalize_owner(kind: str, identifier: str) -> tuple[str, str]:
    """Canonical (kind, identifier) for a manifest or API value; raises InvalidIdentifier."""
    kind = OWNER_KIND_ALIASES.get((kind or "").strip().lower(), "")
    if not kind:
        raise InvalidIdentifier("loại chủ sở hữu phải là citizen/công dân hoặc organization/tổ chức")
    identifier = (identifier or "").strip()
    if kind == OwnerKind.CITIZEN:
        return kind, parse_personal_id(identifier).value
    return kind, normalize_tax_code(identifier)


OWNER_KIND_ALIASES = {
    "citizen": OwnerKind.CITIZEN,
    "công dân": OwnerKind.CITIZEN,
    "cong dan": OwnerKind.CITIZEN,
    "cá nhân": OwnerKind.CITIZEN,
    "organization": OwnerKind.ORGANIZATION,
    "organisation": OwnerKind.ORGANIZATION,
    "tổ chức": OwnerKind.ORGANIZATION,
    "to chuc": OwnerKind.ORGANIZATION,
}


def mask(identifier: str | None) -> str:
    """For screens that must hint at whose record it is: first 3 and last 2 characters only."""
    if not identifier:
        return ""
    return identifier[:3] + "*" * max(len(identifier) - 5, 0) + identifier[-2:]


def masked_fields(fields: dict | None) -> dict:
    """A document's public fields (no ``_``-prefixed internals) with identifiers masked."""
    shown = {}
    for name, field in (fields or {}).items():
        if name.startswith("_"):
            continue
        if name in IDENTIFIER_FIELDS and isinstance(field, dict) and field.get("value"):
            field = field | {"value": mask(str(field["value"]))}
        shown[name] = field
    return shown
