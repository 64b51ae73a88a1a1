"""The owner check: is the identifier or name printed on a document the manifest owner's?"""

from __future__ import annotations

from ocr.text import fold
from ocr.understand.reading import Understanding


def owner_conflicts(reading: Understanding, owner_kind: str, identifier: str, name: str | None) -> list[str]:
    """Why this document may not be the given owner's: the identifier or name printed on it differ."""
    reasons = []
    printed = reading.fields.get({"citizen": "personal_id", "organization": "tax_code"}.get(owner_kind, ""))
    if printed is not None and printed.value != identifier:
        reasons.append("định danh trên giấy tờ khác chủ sở hữu / identifier on document is another owner's")
    printed_name = reading.fields.get("full_name")
    if owner_kind == "citizen" and printed_name and name and fold(printed_name.value) != fold(name):
        reasons.append("họ tên trên giấy tờ khác chủ sở hữu / name on document is another person's")
    return reasons
