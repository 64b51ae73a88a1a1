"""A document's life in the catalog after it is understood: superseded by a renewed version, expired."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ocr.understand import document_types
from repository.catalog.db import session_scope
from repository.catalog.models import Document, DocumentStatus


def link_versions(session: Session, owner_id: str, type_code: str) -> None:
    """A renewed document supersedes the earlier one of the same type (identity cards, land and
    business certificates: the types valid until replaced or until a printed expiry)."""
    kind = document_types().get(type_code)
    if kind is None or kind.validity not in ("until_replaced", "printed"):
        return
    versions = sorted(
        (
            d
            for d in session.scalars(
                select(Document).where(Document.owner_id == owner_id, Document.doc_type_code == type_code)
            )
            if d.status != DocumentStatus.REJECTED
        ),
        key=lambda d: (d.issue_date or d.valid_until or date.min, d.created_at),
    )
    for older, newer in zip([None, *versions], versions, strict=False):
        newer.supersedes_id = older.id if older is not None else None


def mark_expired(on: date | None = None, database_url: str | None = None) -> int:
    """Mark documents whose validity ended before ``on`` as expired (the daily DAG). Returns how many.

    Documents in review keep their status: a steward still has to look at them.
    """
    on = on or date.today()
    with session_scope(database_url) as session:
        result = session.execute(
            update(Document)
            .where(Document.valid_until < on, Document.status.in_(OFFERABLE))
            .values(status=DocumentStatus.EXPIRED, status_reason=f"hết hiệu lực trước ngày {on.isoformat()}")
        )
        return result.rowcount


# Statuses in which a document can be offered for reuse at all (``repository.reuse.rules.offered``
# decides per type); only these can expire - documents in review keep their status for the steward.
OFFERABLE = (DocumentStatus.DIGITIZED, DocumentStatus.APPROVED)
