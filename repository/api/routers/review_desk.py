"""The review desk for stewards: the queue with its filters, and each document's desk - its pages
beside its fields - where a steward corrects, changes the type, resolves an owner mismatch, approves
or rejects, reads again, and goes on to the next one."""

from __future__ import annotations

import json
from functools import partial

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from ocr.understand import document_types
from quality import review
from quality.report import publish_report
from repository.api.deps import DatabaseUrl, PageUser, Store
from repository.api.routers.documents import readable
from repository.api.templating import render_page
from repository.catalog.db import read_scope
from repository.catalog.models import CaseFile, Document, Owner, Page
from repository.errors import DomainError
from repository.identifiers import kind_from_length, mask
from repository.reuse import previews
from repository.reuse.counter import STATUS_NAMES
from repository.security.access import require
from repository.security.audit import record_document_action
from repository.security.auth import Principal
from repository.storage import keys
from repository.web import formatting

router = APIRouter(prefix="/review", include_in_schema=False)
PAGE_SIZE = 25


@router.get("")
def queue_page(
    request: Request, who: PageUser, database_url: DatabaseUrl, reason: str = "", agency: str = "",
    type: str = "", age: str = "", page: int = Query(1, ge=1),  # noqa: A002 - the form's names
) -> Response:  # fmt: skip
    require(who, "steward")
    # An empty filter field is no filter; a century is the longest wait there is.
    age = min(float(age), 36500.0) if age.replace(".", "", 1).isdigit() else None
    queue = review.review_queue(reason=reason or None, agency=agency or None, type_code=type or None,
                                older_than_days=age, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                database_url=database_url)  # fmt: skip
    pages = max(1, -(-queue["total"] // PAGE_SIZE))
    filters = {"reason": reason, "agency": agency, "type": type, "age": "" if age is None else age}
    return render_page(request, "review/queue.html", who, title="Hàng đợi kiểm tra", queue=queue, page=page,
                       pages=pages, filters=filters, reasons=review.reason_labels(),
                       types=document_types())  # fmt: skip


def _desk(request: Request, who: Principal, database_url: str, document_id: str, *, error: str | None = None,
          values: dict | None = None, status_code: int = 200,
          did: str | None = None) -> Response:  # fmt: skip
    with read_scope(database_url) as session:
        doc = readable(session, who, document_id, None)  # stewards read what waits in their queue
        owner = session.get(Owner, doc.owner_id)
        case = session.get(CaseFile, doc.origin_case_id) if doc.origin_case_id else None
        pages = session.execute(select(Page.number, Page.confidence, Page.method).where(
            Page.document_id == doc.id).order_by(Page.number)).all()  # fmt: skip
        doubts = review.approval_doubts(session, doc)
    history = review.history(doc.id, database_url=database_url)["results"]  # a session of its own
    kind = document_types().get(doc.doc_type_code or "")
    names = list(kind.fields) if kind else [n for n in review.FIELD_LABELS]
    fields = {n: (doc.fields or {}).get(n) or {} for n in names}
    return render_page(
        request, "review/desk.html", who, title="Kiểm tra giấy tờ", status_code=status_code, doc=doc,
        owner=owner, masked=mask(owner.identifier), case=case, pages=pages, doubts=doubts, history=history,
        fields=fields, labels=review.FIELD_LABELS, values=values or {}, error=error, types=document_types(),
        statuses=STATUS_NAMES, reasons=review.reason_labels(), queue_reasons=review.queue_reasons(doc),
        action_labels=review.ACTION_LABELS, did=did, date_fields=review.DATE_FIELDS,
        describe=_describe,
    )  # fmt: skip


# What the desk says about the document the steward just left (shown on the next one).
DONE = {
    "approve": "Đã duyệt giấy tờ vừa xem.",
    "reject": "Đã từ chối giấy tờ vừa xem (bản gốc vẫn được giữ).",
    "save": "Đã lưu giấy tờ vừa xem; giấy tờ vẫn chờ duyệt.",
    "relink": "Đã chuyển giấy tờ vừa xem sang chủ sở hữu đúng.",
}


# A history entry's snapshot in words a steward reads (never the JSON it is stored as).
SNAPSHOT_NAMES = {"status": "Tình trạng", "doc_type_code": "Loại", "type": "Loại", "owner_id": "Chủ sở hữu",
                  "reason": "Lý do", "status_reason": "Lý do"}  # fmt: skip


def _describe(snapshot) -> str:
    if not isinstance(snapshot, dict):
        return "" if snapshot is None else str(snapshot)
    parts = []
    for name, value in snapshot.items():
        if isinstance(value, dict):
            value = value.get("value", "")
        if name == "fields" and isinstance(value, dict):
            parts.append(_describe(value))
            continue
        if name == "status":
            value = STATUS_NAMES.get(value, value)
        elif name in ("doc_type_code", "type"):
            kind = document_types().get(value or "")
            value = kind.name if kind else value
        elif name in review.DATE_FIELDS and value:
            value = formatting.day(value)
        label = review.FIELD_LABELS.get(name) or SNAPSHOT_NAMES.get(name) or name
        parts.append(f"{label}: {value if value not in (None, '') else '—'}")
    return "; ".join(p for p in parts if p)


@router.get("/{document_id}")
def desk(request: Request, document_id: str, who: PageUser, database_url: DatabaseUrl,
         did: str | None = None) -> Response:  # fmt: skip
    require(who, "steward")
    return _desk(request, who, database_url, document_id, did=DONE.get(did or ""))


def _next_in_queue(database_url: str, after: str, did: str) -> str:
    queue = review.review_queue(limit=2, database_url=database_url)["results"]
    following = [e["document_id"] for e in queue if e["document_id"] != after]
    return f"/review/{following[0]}?did={did}" if following else f"/review?done=1&did={did}"


@router.post("/{document_id}")
async def act(request: Request, document_id: str, who: PageUser, database_url: DatabaseUrl, store: Store,
              background: BackgroundTasks) -> Response:  # fmt: skip
    """One form for the desk's actions: save (and next), approve (and next), reject, type, re-link, rerun."""
    require(who, "steward")
    form = await request.form()
    action = str(form.get("action", "save"))
    values = {k.removeprefix("field_"): str(v) for k, v in form.items() if k.startswith("field_")}
    note = str(form.get("note") or "").strip() or None
    try:
        done = _perform(document_id, who, action, form, values, note, database_url, store)
    except DomainError as exc:
        status = 409 if exc.kind == "conflict" else 422
        if action.startswith("reject"):
            values["__reject"] = "1"  # the reason's box stays open beside the error
        return _desk(
            request, who, database_url, document_id, error=exc.message, values=values, status_code=status
        )
    background.add_task(publish_report, store, database_url)
    base = action.removesuffix("_next")
    # Approved, rejected or moved, the document has left the queue (and the steward's reach): on to
    # the next one, saying what became of this one.
    if action.endswith("_next") or base in ("approve", "reject", "relink"):
        return RedirectResponse(_next_in_queue(database_url, document_id, base), status_code=303)
    return RedirectResponse(f"/review/{document_id}#{done}", status_code=303)


def _perform(document_id: str, who: Principal, action: str, form, values: dict, note: str | None,
             database_url: str, store) -> str:  # fmt: skip
    who_acts = {"actor": who.name, "role": who.role, "agency": who.agency, "document_id": document_id}
    record = partial(record_document_action, database_url, **who_acts)
    if action in ("save", "save_next", "approve", "approve_next"):
        changes = _changes(document_id, values, database_url)
        if changes:
            review.correct(document_id, who.name, changes, note, database_url=database_url)
            record(action="correct")
    if action in ("approve", "approve_next"):
        review.approve(document_id, who.name, note, database_url, confirm=bool(form.get("confirm")))
        record(action="approve")
    elif action in ("reject", "reject_next"):
        review.reject(document_id, who.name, str(form.get("reason") or ""), database_url=database_url)
        record(action="reject")
    elif action == "type":
        review.change_type(document_id, who.name, str(form.get("type") or ""), note, database_url)
        record(action="change_type")
    elif action == "relink":
        owner_id = "".join(str(form.get("owner_id") or "").split())
        review.relink(document_id, who.name, kind_from_length(owner_id), owner_id, note, database_url)
        record(action="relink")
    elif action == "rerun":
        review.rerun_ocr(document_id, who.name, note, store=store, database_url=database_url)
        record(action="rerun_ocr")
    return action


def _changes(document_id: str, values: dict[str, str], database_url: str) -> dict[str, str | None]:
    """The fields whose submitted value differs from the record's (an emptied field is removed)."""
    with read_scope(database_url) as session:
        current = session.get(Document, document_id).fields or {}
    changes = {}
    for name, value in values.items():
        old = (current.get(name) or {}).get("value") or ""
        if " ".join(value.split()) == " ".join(str(old).split()):
            continue
        if name in review.DATE_FIELDS and value.strip():  # shown as dd/mm/yyyy, kept as ISO
            try:
                if review.normalize_field(name, value) == old:
                    continue
            except DomainError:
                pass  # not a date: the correction says so
        changes[name] = value.strip() or None
    return changes


@router.get("/{document_id}/pages/{number}.png")
def page_image(document_id: str, number: int, who: PageUser, database_url: DatabaseUrl, store: Store,
               size: str = Query("page", pattern="^(thumb|page)$")) -> Response:  # fmt: skip
    require(who, "steward")
    with read_scope(database_url) as session:
        doc = readable(session, who, document_id, None)  # stewards read what waits in their queue
    return Response(previews.page_png(store, doc, number, size), media_type="image/png")


@router.get("/{document_id}/words/{number}.json")
def page_words(document_id: str, number: int, who: PageUser, database_url: DatabaseUrl, store: Store) -> dict:
    """The words OCR read on a page with their boxes (for highlighting a field on the page image)."""
    require(who, "steward")
    with read_scope(database_url) as session:
        doc = readable(session, who, document_id, None)  # stewards read what waits in their queue
    key = keys.ocr_key(doc.id)
    detail = json.loads(store.get_bytes(key)) if store.exists(key) else {"pages": []}
    page = next((p for p in detail["pages"] if p["number"] == number), {})
    return {
        "size": page.get("box_size"),
        "words": [{"text": w["text"], "box": w["box"]} for w in page.get("words", [])],
    }
