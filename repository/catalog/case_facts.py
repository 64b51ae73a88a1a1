"""What a case's documents say, kept on the case row itself so the service indicators are one scan
of ``case_file`` (by the day received or resolved) instead of a join over every link and document.

The facts (``components``, ``components_digitized``, ``last_digitized_at``, ``ecopy``,
``reused_requirements``) are recomputed in the same transaction as whatever changes them: a link
made or removed, a case opened, a document's status, type or digitization time changed. One
session hook sees every such change, wherever in the code it was made (``track``). ``migrate()``
fills the facts of cases that predate them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, case, event, exists, func, inspect, select, tuple_, update
from sqlalchemy.orm import Session

from repository.catalog.models import CaseDocument, CaseFile, Document, DocumentStatus, LinkVia
from repository.catalog.procedures import procedures

# A component counts as digitized in these statuses (expired: it was digitized, then ran out).
DIGITIZED = (DocumentStatus.DIGITIZED, DocumentStatus.APPROVED, DocumentStatus.EXPIRED)
WATCHED = ("status", "doc_type_code", "digitized_at", "ecopy_id")  # the document attributes the facts read


def _linked(via_condition, *extra):
    link, doc = CaseDocument, Document
    return (
        select(link.case_id)
        .join(doc, doc.id == link.document_id)
        .where(link.case_id == CaseFile.id, via_condition, *extra)
        .correlate(CaseFile)
    )


def _fact_values() -> dict:
    link, doc = CaseDocument, Document
    submitted = link.via == LinkVia.SUBMITTED
    digitized = doc.status.in_(DIGITIZED)
    required = [(code, r.type) for code, p in procedures().items() for r in p.requires if not r.optional]
    reuse = and_(link.via == LinkVia.REUSE, tuple_(CaseFile.procedure_code, doc.doc_type_code).in_(required))

    def scalar(expression, *where):
        return (
            select(expression)
            .select_from(link)
            .join(doc, doc.id == link.document_id)
            .where(link.case_id == CaseFile.id, *where)
            .correlate(CaseFile)
            .scalar_subquery()
        )

    return {
        "components": scalar(func.count(), submitted),
        "components_digitized": scalar(func.count(), submitted, digitized),
        "last_digitized_at": scalar(func.max(doc.digitized_at), submitted),
        # A result counts when it has a signed e-copy (repository.pipeline.ecopy), not merely a scan.
        "ecopy": case(
            (exists(_linked(link.via == LinkVia.RESULT, digitized, doc.ecopy_id.is_not(None))), True),
            else_=False,
        ),
        "reused_requirements": scalar(func.count(func.distinct(doc.doc_type_code)), reuse) if required else 0,
    }


def refresh(session: Session, case_ids: Iterable[str] | None = None) -> None:
    """Recompute the facts of ``case_ids`` (None: of every case whose facts were never computed)."""
    statement = update(CaseFile).values(**_fact_values()).execution_options(synchronize_session=False)
    if case_ids is None:
        session.execute(statement.where(CaseFile.components.is_(None)))
        return
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 500):
        session.execute(statement.where(CaseFile.id.in_(ids[start : start + 500])))


def _changed(obj, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _context) -> None:
    cases: set[str] = set()
    documents: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CaseDocument):
            cases.add(obj.case_id)
        elif isinstance(obj, CaseFile) and (obj in session.new or _changed(obj, ("procedure_code",))):
            cases.add(obj.id)
        elif isinstance(obj, Document) and obj not in session.new and _changed(obj, WATCHED):
            documents.add(obj.id)
    if documents:
        cases |= set(
            session.execute(
                select(CaseDocument.case_id).where(CaseDocument.document_id.in_(documents))
            ).scalars()
        )
    if cases:
        refresh(session, cases)


def track() -> None:
    """Keep every session's case facts current (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
