"""What a batch produced, computed from the catalog (not from XCom), so it is right after any re-run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from repository.catalog.db import session_scope
from repository.catalog.models import Batch, BatchItem, Document, Owner, Page
from repository.identifiers import mask


@dataclass
class OwnerLine:
    owner_key: str
    kind: str
    name: str | None
    masked_identifier: str
    documents: int


@dataclass
class BatchSummary:
    batch_id: str
    inbox: str
    files: int
    by_status: dict[str, int]
    documents: int
    pages: int
    pages_by_method: dict[str, int]
    mean_confidence: float | None
    lowest_confidence: float | None
    owners: list[OwnerLine] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # file, status, reason
    refused: str | None = None  # why the whole batch was refused (its manifest unreadable)

    def as_json(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "files": self.files,
            "by_status": self.by_status,
            "documents": self.documents,
            "pages": self.pages,
            "pages_by_method": self.pages_by_method,
            "mean_confidence": self.mean_confidence,
            "lowest_confidence": self.lowest_confidence,
            "owners": [o.__dict__ for o in self.owners],
            "problems": [{"file": f, "status": s, "reason": r} for f, s, r in self.problems],
            "refused": self.refused,
        }


def batch_summary(batch_id: str, database_url: str | None = None) -> BatchSummary:
    with session_scope(database_url) as session:
        batch = session.get(Batch, batch_id)
        items = list(session.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id)))
        doc_ids = sorted({i.document_id for i in items if i.document_id})
        methods = dict(
            session.execute(
                select(Page.method, func.count()).where(Page.document_id.in_(doc_ids)).group_by(Page.method)
            ).all()
        )
        mean, lowest = session.execute(
            select(func.avg(Page.confidence), func.min(Page.confidence)).where(
                Page.document_id.in_(doc_ids), Page.method == "ocr"
            )
        ).one()
        per_owner = session.execute(
            select(Owner, func.count(Document.id))
            .join(Document, Document.owner_id == Owner.id)
            .where(Document.id.in_(doc_ids))
            .group_by(Owner.id)
            .order_by(Owner.kind, Owner.name)
        ).all()
        problems = [
            (i.filename, i.status, i.reason or "")
            for i in sorted(items, key=lambda i: (i.row_number < 0, abs(i.row_number)))
            if i.reason
        ]
        if batch.reason:
            problems.insert(0, (batch.manifest_name or "manifest", "refused", batch.reason))
        return BatchSummary(
            batch_id=batch.id,
            inbox=batch.inbox,
            files=len(items),
            by_status=dict(Counter(i.status for i in items)),
            documents=len(doc_ids),
            pages=sum(methods.values()),
            pages_by_method=methods,
            mean_confidence=round(mean, 1) if mean is not None else None,
            lowest_confidence=round(lowest, 1) if lowest is not None else None,
            owners=[OwnerLine(o.id, o.kind, o.name, mask(o.identifier), n) for o, n in per_owner],
            problems=problems,
            refused=batch.reason,
        )


def batch_for_run(run_id: str, database_url: str | None = None) -> str | None:
    with session_scope(database_url) as session:
        return session.scalar(select(Batch.id).where(Batch.last_run_id == run_id))
