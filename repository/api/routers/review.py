"""The review queue and the steward's actions on it, each on the audit log under the document's owner."""

from __future__ import annotations

from fastapi import APIRouter, Query

from quality import review
from repository.api.deps import Caller, DatabaseUrl, Store
from repository.api.schemas import CorrectionRequest, RejectRequest, ReviewRequest
from repository.security.access import require
from repository.security.audit import record_document_action
from repository.security.auth import Principal

router = APIRouter(prefix="/api", tags=["kiểm tra / review"])


@router.get("/review-queue")
def review_queue(
    who: Caller, database_url: DatabaseUrl, reason: str | None = None,
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
) -> dict:  # fmt: skip
    """Hàng đợi kiểm tra, cũ nhất trước / the review queue, oldest first."""
    require(who, "steward")
    return review.review_queue(reason=reason, limit=limit, offset=offset, database_url=database_url)


def _reviewed(who: Principal, action: str, document_id: str, result: dict, database_url: str) -> dict:
    record_document_action(database_url, actor=who.name, role=who.role, agency=who.agency, action=action,
                           document_id=document_id)  # fmt: skip
    return result


@router.post("/documents/{document_id}/approve")
def approve(document_id: str, body: ReviewRequest, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "steward")
    result = review.approve(document_id, who.name, body.note, database_url=database_url)
    return _reviewed(who, "approve", document_id, result, database_url)


@router.post("/documents/{document_id}/reject")
def reject(document_id: str, body: RejectRequest, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "steward")
    result = review.reject(document_id, who.name, body.reason, database_url=database_url)
    return _reviewed(who, "reject", document_id, result, database_url)


@router.post("/documents/{document_id}/corrections")
def correct(document_id: str, body: CorrectionRequest, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "steward")
    result = review.correct(document_id, who.name, body.fields, body.note, database_url=database_url)
    return _reviewed(who, "correct", document_id, result, database_url)


@router.post("/documents/{document_id}/rerun-ocr")
def rerun_ocr(
    document_id: str, body: ReviewRequest, who: Caller, database_url: DatabaseUrl, store: Store
) -> dict:
    require(who, "steward")
    result = review.rerun_ocr(document_id, who.name, body.note, store=store, database_url=database_url)
    return _reviewed(who, "rerun_ocr", document_id, result, database_url)


@router.get("/documents/{document_id}/review-history")
def review_history(document_id: str, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "steward")
    return review.history(document_id, database_url=database_url)
