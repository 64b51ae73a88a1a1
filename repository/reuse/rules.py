"""Reuse: which documents an applicant need not bring again, and why the others must be brought.

For each document a procedure requires, the owner's repository either holds one that satisfies it
(recognized type, digitized or approved - approved only where the type requires review - not
superseded by a newer version, valid on the date, fresh enough) or the answer says why none does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ocr.understand import add_months, document_types
from repository.catalog.db import session_scope
from repository.catalog.models import Document, DocumentStatus, Owner
from repository.catalog.procedures import Requirement, requirements_for
from repository.errors import CONFLICT, DomainError

# Why a requirement is not satisfied, most actionable first; codes are stable for API clients.
REASONS = {
    "never_reusable": "loại giấy tờ không được tái sử dụng / never reusable",
    "in_review": "giấy tờ đang chờ kiểm tra / in review",
    "rejected": "giấy tờ đã bị từ chối / rejected",
    "expired": "giấy tờ đã hết hiệu lực / expired",
    "too_old": "giấy tờ cấp quá thời hạn cho phép / issued too long ago",
    "superseded": "giấy tờ đã được thay thế bằng bản mới hơn / superseded",
    "none_on_file": "kho dữ liệu chưa có giấy tờ này / none on file",
}


@dataclass
class Outcome:
    requirement: Requirement
    satisfied: bool
    document_id: str | None = None
    result_code: str | None = None
    reason: str | None = None  # a REASONS code when not satisfied

    def as_json(self) -> dict:
        kind = document_types().get(self.requirement.type)
        return {
            "type": self.requirement.type,
            "type_name": kind.name if kind else None,
            "optional": self.requirement.optional,
            "satisfied": self.satisfied,
            "document_id": self.document_id,
            "result_code": self.result_code,
            "reason": self.reason,
            "reason_text": REASONS.get(self.reason or ""),
        }


@dataclass
class ReuseReport:
    on: date
    procedure: str | None
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def need_not_bring(self) -> int:
        return sum(o.satisfied for o in self.outcomes)

    def as_json(self) -> dict:
        return {
            "on": self.on.isoformat(),
            "procedure": self.procedure,
            "need_not_bring": self.need_not_bring,
            "results": [o.as_json() for o in self.outcomes],
        }


def offered(status: str, type_code: str | None) -> bool:
    """Is a document in this status offered for reuse? Approved always; digitized only for types that
    need no steward's approval. The one definition: the reuse check and the quality checks use it."""
    kind = document_types().get(type_code or "")
    if status == DocumentStatus.APPROVED:
        return True
    return status == DocumentStatus.DIGITIZED and not (kind and kind.review)


def reusable_now(session: Session, doc: Document, on: date) -> str | None:
    """Why a document may not be attached to a case by reuse (a reason code), or None. The reuse
    check's own rules, for one document an officer picked."""
    kind = document_types().get(doc.doc_type_code or "")
    if kind is not None and not kind.reusable:
        return "never_reusable"
    newer = session.scalar(select(Document.id).where(Document.supersedes_id == doc.id).limit(1))
    return _why_not(doc, Requirement(doc.doc_type_code or ""), on, {doc.id} if newer else set())


def refuse_unless_reusable(session: Session, doc: Document, on: date) -> None:
    reason = reusable_now(session, doc, on)
    if reason is not None:
        raise DomainError(CONFLICT, "not_reusable", "Không thể dùng lại giấy tờ này: " + REASONS[reason])


def _why_not(doc: Document | Row, requirement: Requirement, on: date, superseded: set[str]) -> str | None:
    """None when the document satisfies the requirement on ``on``, else the reason code."""
    if doc.status == DocumentStatus.REJECTED:
        return "rejected"
    if doc.status == DocumentStatus.EXPIRED:
        return "expired"
    if not offered(doc.status, requirement.type):
        return "in_review"
    if doc.id in superseded:
        return "superseded"
    if doc.valid_until is not None and doc.valid_until < on:
        return "expired"
    if requirement.max_age_months is not None and (
        doc.issue_date is None or doc.issue_date < add_months(on, -requirement.max_age_months)
    ):
        return "too_old"
    return None


class OwnerLike(Protocol):
    """An owner as far as reuse is concerned: its key (an ORM object, a row, or the key alone)."""

    @property
    def id(self) -> str: ...


def check_owner(
    session: Session,
    owner: OwnerLike | None,
    requirements: list[Requirement],
    on: date,
    procedure: str | None = None,
    digitized_before: datetime | None = None,
) -> ReuseReport:
    """The reuse report for one owner; an owner not in the repository has nothing on file.
    ``digitized_before`` answers as the repository stood then (what was on file at a case's receipt)."""
    report = ReuseReport(on=on, procedure=procedure)
    if owner is None:
        report.outcomes = [Outcome(r, False, reason="none_on_file") for r in requirements]
        return report
    wanted = {r.type for r in requirements}
    table = Document.__table__  # Core rows: read-only here, and this runs on every reuse check
    query = select(table).where(table.c.owner_id == owner.id, table.c.doc_type_code.in_(wanted))
    if digitized_before is not None:
        query = query.where(table.c.digitized_at < digitized_before)
    documents = session.execute(query).all()
    superseded = {d.supersedes_id for d in documents if d.supersedes_id}
    for requirement in requirements:
        kind = document_types().get(requirement.type)
        if kind is not None and not kind.reusable:
            report.outcomes.append(Outcome(requirement, False, reason="never_reusable"))
            continue
        candidates = sorted(
            (d for d in documents if d.doc_type_code == requirement.type),
            key=lambda d: (d.issue_date or date.min, d.digitized_at or d.created_at),
            reverse=True,
        )
        reasons = {d.id: _why_not(d, requirement, on, superseded) for d in candidates}
        good = [d for d in candidates if reasons[d.id] is None]
        if good:
            report.outcomes.append(Outcome(requirement, True, good[0].id, good[0].result_code))
        elif not candidates:
            report.outcomes.append(Outcome(requirement, False, reason="none_on_file"))
        else:
            # The most actionable reason among the owner's documents of that type.
            codes = set(reasons.values())
            reason = next(code for code in REASONS if code in codes)
            report.outcomes.append(Outcome(requirement, False, reason=reason))
    return report


def reuse_check(
    owner_kind: str,
    identifier: str,
    *,
    procedure: str | None = None,
    types: list[str] | None = None,
    on: date | None = None,
    database_url: str | None = None,
) -> ReuseReport:
    """What the owner need not bring for a procedure (or a list of document types) on a date."""
    requirements = requirements_for(procedure, types)
    with session_scope(database_url) as session:
        owner = session.scalar(select(Owner).where(Owner.kind == owner_kind, Owner.identifier == identifier))
        return check_owner(session, owner, requirements, on or date.today(), procedure)
