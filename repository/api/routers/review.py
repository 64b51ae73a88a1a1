"""The review queue and the steward's actions on it, each on the audit log under the document's owner;
after each, the steward report is drawn again (in the background: the answer does not wait for it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from fastapi import APIRouter, BackgroundTasks, Query

from quality import review
from quality.report import publish_report
from repository.api.deps import Caller, DatabaseUrl, Store
from repository.api.schemas import CorrectionRequest, RejectRequest, Relink, ReviewRequest, TypeChange
from repository.security.access import require
from repository.security.audit import record_document_action
from repository.security.auth import Principal
from repository.storage import ObjectStore

router = APIRouter(prefix="/api", tags=["kiểm tra / review"])


@router.get("/review-queue")
def review_queue(
    who: Caller, database_url: DatabaseUrl, reason: str | None = None, agency: str | None = None,
    type: str | None = None,  # noqa: A002 - the API's parameter name
    older_than_days: float | None = Query(None, ge=0, le=36500),
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
) -> dict:  # fmt: skip
    """Hàng đợi kiểm tra, cũ nhất trước / the review queue, oldest first, with counts per reason."""
    require(who, "steward")
    return review.review_queue(reason=reason, agency=agency, type_code=type, older_than_days=older_than_days,
                               limit=limit, offset=offset, database_url=database_url)  # fmt: skip


def act(who: Principal, action: str, document_id: str, work: Callable[[], dict], database_url: str,
        store: ObjectStore, background: BackgroundTasks) -> dict:  # fmt: skip
    """A steward's action: done, put on the audit log, and the report redrawn after the answer."""
    require(who, "steward")
    result = work()
    record_document_action(database_url, actor=who.name, role=who.role, agency=who.agency, action=action,
                           document_id=document_id)  # fmt: skip
    background.add_task(publish_report, store, database_url)
    return result


@router.post("/documents/{document_id}/approve")
def approve(document_id: str, body: ReviewRequest, who: Caller, database_url: DatabaseUrl, store: Store,
            background: BackgroundTasks) -> dict:  # fmt: skip
    """Duyệt; thiếu trường hoặc OCR thấp cần confirm và ghi chú / approving doubts needs confirm + note."""
    work = partial(review.approve, document_id, who.name, body.note, database_url, confirm=body.confirm)
    return act(who, "approve", document_id, work, database_url, store, background)


@router.post("/documents/{document_id}/reject")
def reject(document_id: str, body: RejectRequest, who: Caller, database_url: DatabaseUrl, store: Store,
           background: BackgroundTasks) -> dict:  # fmt: skip
    work = partial(review.reject, document_id, who.name, body.reason, database_url=database_url)
    return act(who, "reject", document_id, work, database_url, store, background)


@router.post("/documents/{document_id}/corrections")
def correct(document_id: str, body: CorrectionRequest, who: Caller, database_url: DatabaseUrl, store: Store,
            background: BackgroundTasks) -> dict:  # fmt: skip
    work = partial(review.correct, document_id, who.name, body.fields, body.note, database_url=database_url)
    return act(who, "correct", document_id, work, database_url, store, background)


@router.post("/documents/{document_id}/type")
def change_type(document_id: str, body: TypeChange, who: Caller, database_url: DatabaseUrl, store: Store,
                background: BackgroundTasks) -> dict:  # fmt: skip
    work = partial(review.change_type, document_id, who.name, body.type, body.note, database_url)
    return act(who, "change_type", document_id, work, database_url, store, background)


@router.post("/documents/{document_id}/relink")
def relink(document_id: str, body: Relink, who: Caller, database_url: DatabaseUrl, store: Store,
           background: BackgroundTasks) -> dict:  # fmt: skip
    """Gán giấy tờ cho đúng chủ sở hữu in trên giấy tờ / resolve an owner mismatch by re-linking."""
    work = partial(
        review.relink, document_id, who.name, body.owner_kind, body.owner_id, body.note, database_url
    )
    return act(who, "relink", document_id, work, database_url, store, background)


@router.post("/documents/{document_id}/rerun-ocr")
def rerun_ocr(document_id: str, body: ReviewRequest, who: Caller, database_url: DatabaseUrl, store: Store,
              background: BackgroundTasks) -> dict:  # fmt: skip
    work = partial(review.rerun_ocr, document_id, who.name, body.note, store=store, database_url=database_url)
    return act(who, "rerun_ocr", document_id, work, database_url, store, background)


@router.get("/documents/{document_id}/review-history")
def review_history(document_id: str, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "steward")
    result = review.history(document_id, database_url=database_url)
    record_document_action(database_url, actor=who.name, role=who.role, agency=who.agency,
                           action="read_review_history", document_id=document_id)  # fmt: skip
    return result
