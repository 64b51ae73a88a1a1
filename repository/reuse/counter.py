"""What the officer's counter shows for a case: per requirement of its procedure, the document that
satisfies it (with what an officer checks: number, issuer, dates, status, confidence) or why none does
and what the applicant must bring instead; what is attached, and what is still lacking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from repository.catalog import cases
from repository.catalog.models import CaseFile, Document, Owner
from repository.catalog.procedures import procedures, requirements_for
from repository.reuse.rules import REASONS, Outcome, check_owner

# What the applicant must do when the repository cannot serve a requirement (Vietnamese, for the counter).
BRING = {
    "none_on_file": "Người nộp mang bản chính hoặc bản sao chứng thực",
    "expired": "Giấy tờ trong kho đã hết hiệu lực: người nộp mang bản còn hiệu lực",
    "too_old": "Giấy tờ trong kho cấp quá thời hạn thủ tục cho phép: người nộp mang bản cấp gần đây",
    "superseded": "Đã có bản mới hơn nhưng chưa dùng được: người nộp mang bản mới nhất",
    "in_review": "Giấy tờ đang chờ cán bộ quản lý dữ liệu duyệt: người nộp mang bản giấy",
    "rejected": "Bản số hóa trong kho đã bị từ chối: người nộp mang bản chính",
    "never_reusable": "Loại giấy tờ này không được tái sử dụng: người nộp mang bản giấy",
}
STATUS_NAMES = {"digitized": "Đã số hóa", "approved": "Đã duyệt", "needs_review": "Chờ kiểm tra",
                "rejected": "Bị từ chối", "expired": "Hết hiệu lực", "received": "Đang xử lý",
                "failed": "Lỗi xử lý"}  # fmt: skip


@dataclass
class Row:
    """One requirement of the procedure, as the counter shows it."""

    type_code: str
    type_name: str
    optional: bool
    document: Document | None = None  # the document that satisfies it
    attached: bool = False
    reason: str | None = None  # a reuse reason code when none does
    reason_text: str | None = None
    bring: str | None = None
    max_age_months: int | None = None


@dataclass
class CaseView:
    case: CaseFile
    owner: Owner
    procedure_name: str
    rows: list[Row]
    attached: list[cases.Attached] = field(default_factory=list)
    lacking: list[str] = field(default_factory=list)

    @property
    def need_not_bring(self) -> int:
        return sum(1 for r in self.rows if r.document is not None)

    @property
    def reusable_not_attached(self) -> list[Row]:
        return [r for r in self.rows if r.document is not None and not r.attached]


def case_view(session: Session, case: CaseFile, on: date | None = None) -> CaseView:
    owner = session.get(Owner, case.owner_id)
    procedure = procedures().get(case.procedure_code)
    requirements = requirements_for(case.procedure_code, None) if procedure else []
    report = check_owner(session, owner, requirements, on or date.today(), case.procedure_code)
    found = {o.document_id for o in report.outcomes if o.document_id}
    documents = (
        {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(found)))} if found else {}
    )
    attached = cases.attached(session, case)
    linked = {a.document.id for a in attached}
    rows = [_row(o, documents, linked) for o in report.outcomes]
    return CaseView(case, owner, procedure.name if procedure else case.procedure_code, rows, attached,
                    cases.still_lacking(case, [a.document for a in attached]))  # fmt: skip


def _row(outcome: Outcome, documents: dict[str, Document], linked: set[str]) -> Row:
    requirement = outcome.requirement
    row = Row(requirement.type, cases.type_name(requirement.type), requirement.optional,
              max_age_months=requirement.max_age_months)  # fmt: skip
    if outcome.satisfied:
        row.document = documents[outcome.document_id]
        row.attached = outcome.document_id in linked
    else:
        row.reason = outcome.reason
        row.reason_text = REASONS.get(outcome.reason or "", "").split(" / ")[0]
        row.bring = BRING.get(outcome.reason or "")
    return row
