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
    # The kind of owner: a document printing only an enterprise code is an organization's, one printing
    # only a personal ID a person's (either printed with its label: a number alone proves little).
    other = {"citizen": "organization", "organization": "citizen"}.get(owner_kind)
    if other and other in reading.owner_kinds and owner_kind not in reading.owner_kinds:
        reasons.append(
            "giấy tờ in mã số doanh nghiệp / mã số thuế nhưng chủ sở hữu là công dân"
            " / an organization's document"
            if owner_kind == "citizen"
            else "giấy tờ in số định danh cá nhân nhưng chủ sở hữu là tổ chức / a person's document"
        )
    printed_name = reading.fields.get("full_name")
    if owner_kind == "citizen" and printed_name and name and fold(printed_name.value) != fold(name):
        reasons.append("họ tên trên giấy tờ khác chủ sở hữu / name on document is another person's")
    return reasons
