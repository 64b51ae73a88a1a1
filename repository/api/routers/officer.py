"""The officer's counter (bộ phận một cửa): open the applicant's case, see what they need not bring,
look at it, attach it - in the browser. Every view of a document is on the audit log, through the
same purpose binding as the API: the case, opened for this agency with the applicant identified."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.text import fold
from ocr.understand import document_types
from quality.review import FIELD_LABELS
from repository.api.common import log_access, typed_owner
from repository.api.deps import DatabaseUrl, PageUser, Store, check_csrf
from repository.api.routers.documents import readable
from repository.api.templating import render_page
from repository.catalog import cases
from repository.catalog.db import read_scope, session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, Owner, Page
from repository.catalog.procedures import find_procedures, procedures
from repository.catalog.search import search
from repository.errors import INVALID, NOT_FOUND, DomainError, Kind
from repository.identifiers import mask, masked_fields
from repository.pipeline import ecopy
from repository.reuse import previews
from repository.reuse.counter import STATUS_NAMES, case_view
from repository.reuse.rules import REASONS, refuse_unless_reusable, reusable_now
from repository.security.access import bind_case, open_case, require
from repository.security.auth import Principal
from repository.web import formatting

router = APIRouter(prefix="/officer", include_in_schema=False)


def _officer(who: Principal) -> Principal:
    require(who, "officer")
    return who


@router.get("")
def counter(
    request: Request,
    who: PageUser,
    database_url: DatabaseUrl,
    error: str | None = None,
    form: dict | None = None,
    confirm: str | None = None,
    other_case: str | None = None,
) -> Response:
    _officer(who)
    with read_scope(database_url) as session:
        recent = session.execute(
            select(CaseFile.case_code, CaseFile.procedure_code, Owner.name, CaseFile.created_at)
            .join(Owner, Owner.id == CaseFile.owner_id)
            .where(CaseFile.agency_code == who.agency, CaseFile.cancelled_at.is_(None))
            .order_by(CaseFile.created_at.desc())
            .limit(8)
        ).all()
    return render_page(
        request,
        "officer/start.html",
        who,
        title="Quầy một cửa",
        procedures=procedures(),
        recent=recent,
        error=error,
        form=form or {},
        confirm=confirm,
        other_case=other_case,
        fold=fold,
    )


@router.post("/cases")
def open_case_page(
    request: Request,
    who: PageUser,
    database_url: DatabaseUrl,
    case_code: Annotated[str, Form()],
    procedure: Annotated[str, Form()],
    owner_id: Annotated[str, Form()],
    owner_name: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Start or open a case. The identifier travels in this body only; the case code names the page.
    What was typed comes back with any error; an identifier with nothing on file is confirmed before
    an applicant is created for it (a typo would make a phantom applicant)."""
    _officer(who)
    check_csrf(request, csrf)
    form = {"case_code": case_code, "procedure": procedure, "owner_id": owner_id, "owner_name": owner_name}
    case_code = case_code.strip()
    try:
        if not case_code:
            raise DomainError(INVALID, "case_required", "Cần mã hồ sơ (trên phiếu tiếp nhận)")
        found = find_procedures(procedure)
        if not found:
            raise DomainError(
                INVALID,
                "unknown_procedure",
                f'Không tìm thấy thủ tục "{procedure.strip()}": gõ tên hoặc mã rồi chọn trong danh sách',
            )
        if len(found) > 1:
            names = "; ".join(f"{p.name} ({p.code})" for p in found[:6])
            raise DomainError(
                INVALID, "procedure_ambiguous", f"Có {len(found)} thủ tục khớp: {names}. Chọn một."
            )
        code = found[0].code
        form["procedure"] = f"{code} — {found[0].name}"
        kind, identifier = typed_owner(owner_id)
    except DomainError as exc:
        return _start_again(request, who, database_url, exc.message, form)
    # Asked before anything is written (the page is answered outside the write transaction).
    with read_scope(database_url) as session:
        known = session.scalar(select(Owner.id).where(Owner.kind == kind, Owner.identifier == identifier))
        existing = session.execute(
            select(CaseFile.owner_id, CaseFile.agency_code, CaseFile.cancelled_at).where(
                CaseFile.case_code == case_code
            )
        ).first()
    if (
        existing is not None
        and existing.agency_code == who.agency
        and existing.cancelled_at is None
        and (known is None or existing.owner_id != known)
    ):
        message = (
            f"Mã hồ sơ {case_code} đã được mở cho một người nộp khác. Nếu lúc mở đã gõ nhầm số định "
            "danh, mở hồ sơ đó và sửa người nộp; nếu không, kiểm tra lại mã hồ sơ."
        )
        return _start_again(request, who, database_url, message, form, other_case=case_code)
    if known is None and not confirm:
        message = (
            "Kho chưa có dữ liệu nào của số định danh này. Đối chiếu lại từng chữ số với giấy tờ "
            'của người nộp: nếu đúng, bấm "Xác nhận người nộp mới" để mở hồ sơ.'
        )
        return _start_again(request, who, database_url, message, form, confirm="new_applicant", status=200)
    with session_scope(database_url) as session:
        owner, new = cases.owner_for(session, kind, identifier, owner_name)
        if new:  # confirmed: the applicant is identified, their case starts here
            log_access(who, "new_applicant", session=session, case_code=case_code, owner_id=owner.id)
        case = open_case(session, who, case_code, owner.id, code)
        case = session.get(CaseFile, case.id)
        if case.reusable_on_file is None:  # what the repository could serve at receipt (reuse indicator)
            case.reusable_on_file = case_view(session, case).need_not_bring
        log_access(who, "open_case", session=session, case_code=case_code, owner_id=owner.id)
    return RedirectResponse(f"/officer/cases/{case_code}", status_code=303)


def _start_again(
    request: Request,
    who: Principal,
    database_url: str,
    message: str,
    form: dict,
    status: int = 422,
    **context: str,
) -> Response:
    response = counter(request, who, database_url, error=message, form=form, **context)
    response.status_code = status
    return response


def _case(session: Session, who: Principal, case_code: str) -> CaseFile:
    bound = bind_case(session, who, case_code, None)
    return session.get(CaseFile, bound.id)


@router.get("/cases/{case_code}")
def case_page(
    request: Request,
    case_code: str,
    who: PageUser,
    database_url: DatabaseUrl,
    q: str | None = Query(None),
    changed: str | None = Query(None),
) -> Response:
    return _case_page(request, case_code, who, database_url, q, changed=bool(changed))


def _case_page(
    request: Request,
    case_code: str,
    who: Principal,
    database_url: str,
    q: str | None,
    changed: bool = False,
    fix_error: str | None = None,
    typed: dict | None = None,
) -> Response:
    _officer(who)
    with session_scope(database_url) as session:
        cancelled = session.scalar(
            select(CaseFile).where(
                CaseFile.case_code == case_code,
                CaseFile.agency_code == who.agency,
                CaseFile.cancelled_at.is_not(None),
            )
        )
        if cancelled is not None:  # on record, closed: say so rather than refuse
            return render_page(
                request,
                "officer/cancelled.html",
                who,
                title=f"Hồ sơ {case_code} đã hủy",
                case=cancelled,
                procedures=procedures(),
            )
        case = _case(session, who, case_code)
        view = case_view(session, case)
        log_access(
            who,
            "reuse_check",
            session=session,
            case_code=case_code,
            owner_id=case.owner_id,
            detail={"procedure": case.procedure_code, "need_not_bring": view.need_not_bring},
        )
        hits = []
        if q and q.strip():
            hits, _total = search(session, q, owner=case.owner_id, limit=20, current=True)
            log_access(
                who,
                "search",
                session=session,
                case_code=case_code,
                owner_id=case.owner_id,
                detail={"hits": len(hits)},
            )
        titles = _titles(session, {h.document_id for h in hits})
        return render_page(
            request,
            "officer/case.html",
            who,
            title=f"Hồ sơ {case_code}",
            view=view,
            masked=mask(view.owner.identifier),
            statuses=STATUS_NAMES,
            q=q or "",
            hits=hits,
            titles=titles,
            type_name=cases.type_name,
            changed=changed,
            fix_error=fix_error,
            typed=typed or {},
        )


@router.post("/cases/{case_code}/applicant")
def change_applicant_page(
    request: Request,
    case_code: str,
    who: PageUser,
    database_url: DatabaseUrl,
    owner_id: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    owner_name: Annotated[str, Form()] = "",
    checked: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A case opened under a mistyped identifier becomes the right applicant's (recorded, with why)."""
    _officer(who)
    check_csrf(request, csrf)
    try:  # a correction refused (no check, a bad identifier or reason): the page again, with why
        with session_scope(database_url) as session:
            case = _case(session, who, case_code)
            earlier = case.owner_id
            if not checked:
                raise DomainError(
                    INVALID, "not_checked", 'Đánh dấu ô "đã đối chiếu" sau khi so số định danh với giấy tờ'
                )
            kind, identifier = typed_owner(owner_id)
            why = cases.reason_given(reason)
            owner, _new = cases.owner_for(session, kind, identifier, owner_name)
            if owner.id != earlier:
                detached = cases.change_applicant(session, case, owner)
                case.reusable_on_file = case_view(session, case).need_not_bring
                log_access(
                    who,
                    "change_applicant",
                    session=session,
                    case_code=case_code,
                    owner_id=owner.id,
                    detail={"reason": why, "earlier_owner": earlier, "detached": detached},
                )
    except DomainError as exc:
        if exc.kind == Kind.FORBIDDEN:
            raise
        return _case_again(request, who, database_url, case_code, exc.message, owner_name=owner_name)
    return RedirectResponse(f"/officer/cases/{case_code}?changed=1", status_code=303)


@router.post("/cases/{case_code}/cancel")
def cancel_case_page(
    request: Request,
    case_code: str,
    who: PageUser,
    database_url: DatabaseUrl,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A case opened by mistake is cancelled: kept on record with who, when and why."""
    _officer(who)
    check_csrf(request, csrf)
    try:
        with session_scope(database_url) as session:
            case = _case(session, who, case_code)
            owner_id = case.owner_id
            cases.cancel(session, case, who.name, reason)
            log_access(
                who,
                "cancel_case",
                session=session,
                case_code=case_code,
                owner_id=owner_id,
                detail={"reason": case.cancel_reason},
            )
    except DomainError as exc:
        if exc.kind == Kind.FORBIDDEN:
            raise
        return _case_again(request, who, database_url, case_code, exc.message)
    return RedirectResponse(f"/officer/cases/{case_code}", status_code=303)


def _case_again(
    request: Request, who: Principal, database_url: str, case_code: str, message: str, **typed: str
) -> Response:
    """The case page again with the correction's error; what was typed stays (but the identifier)."""
    response = _case_page(request, case_code, who, database_url, None, fix_error=message, typed=typed)
    response.status_code = 422
    return response


# Fields whose values are dates (ISO in the record), written the one way people read dates.
DATE_FIELDS = {"date_of_birth", "issue_date", "valid_until"}


def record_fields(document: Document) -> list[tuple[str, str]]:
    """The document type's own fields, labelled as stewards and officers read them: the catalog's
    columns first, then what was read from the page; identifiers masked."""
    kind = document_types().get(document.doc_type_code or "")
    names = list(kind.fields) if kind else ["number", "issue_date", "issuer", "signer", "summary"]
    read = masked_fields(document.fields)
    columns = {"number": document.number, "issue_date": document.issue_date, "issuer": document.issuer,
               "signer": document.signer, "summary": document.summary, "valid_until": document.valid_until,
               "scope": document.validity_scope}  # fmt: skip
    shown = []
    for name in names:
        value = columns.get(name) or (read.get(name) or {}).get("value")
        if name in {"number"} and document.doc_type_code in ecopy.NUMBER_IS_IDENTIFIER and value:
            value = mask(str(value))
        if name in DATE_FIELDS and value:
            value = formatting.day(value)
        if name == "valid_until" and not value and document.validity_permanent:
            value = "vĩnh viễn"
        shown.append((FIELD_LABELS.get(name, name), str(value) if value else "—"))
    return shown


def _masked_result_code(document: Document) -> str | None:
    """The result code begins with the owner's identifier: shown masked, as identifiers are."""
    if not document.result_code:
        return None
    head, _, rest = document.result_code.partition(".")
    return f"{mask(head)}.{rest}"


def _titles(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Document.id, Document.doc_type_code, Document.number).where(Document.id.in_(ids))
    )
    return {i: f"{cases.type_name(t)}{' số ' + n if n else ''}" for i, t, n in rows}


@router.post("/cases/{case_code}/attach")
def attach_page(
    request: Request,
    case_code: str,
    who: PageUser,
    database_url: DatabaseUrl,
    document_id: Annotated[str, Form()] = "",
    all: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Attach one document, or every reusable one the case does not hold yet, in one click."""
    _officer(who)
    check_csrf(request, csrf)
    with session_scope(database_url) as session:
        case = _case(session, who, case_code)
        if all:
            wanted = [r.document for r in case_view(session, case).reusable_not_attached]
        else:
            document = session.get(Document, document_id)
            if document is None:
                raise DomainError(NOT_FOUND, "document_not_found", "Không tìm thấy giấy tờ")
            bind_case(session, who, case_code, document.owner_id)  # only the case owner's documents
            refuse_unless_reusable(session, document, date.today())
            wanted = [document]
        for document in wanted:
            _link, created = cases.attach(session, case, document, who.name)
            if created:
                log_access(
                    who,
                    "attach",
                    session=session,
                    case_code=case_code,
                    document_id=document.id,
                    owner_id=document.owner_id,
                )
    return RedirectResponse(f"/officer/cases/{case_code}#attached", status_code=303)


@router.post("/cases/{case_code}/detach")
def detach_page(
    request: Request,
    case_code: str,
    who: PageUser,
    database_url: DatabaseUrl,
    document_id: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _officer(who)
    check_csrf(request, csrf)
    with session_scope(database_url) as session:
        case = _case(session, who, case_code)
        if cases.detach(session, case, document_id):
            log_access(
                who,
                "detach",
                session=session,
                case_code=case_code,
                document_id=document_id,
                owner_id=case.owner_id,
            )
    return RedirectResponse(f"/officer/cases/{case_code}#attached", status_code=303)


@router.get("/cases/{case_code}/documents/{document_id}")
def preview_page(
    request: Request,
    case_code: str,
    document_id: str,
    who: PageUser,
    database_url: DatabaseUrl,
    store: Store,
    page: int = Query(1, ge=1),
) -> Response:
    """The document beside its record: page thumbnails, the page, its text, the e-copy."""
    _officer(who)
    with read_scope(database_url) as session:
        document = readable(session, who, document_id, case_code)
        log_access(
            who,
            "preview",
            session=session,
            case_code=case_code,
            document_id=document.id,
            owner_id=document.owner_id,
            detail={"page": page},
        )
        texts = dict(
            session.execute(
                select(Page.number, Page.text).where(Page.document_id == document.id).order_by(Page.number)
            ).all()
        )
        case = session.scalar(select(CaseFile).where(CaseFile.case_code == case_code))
        attached = session.get(CaseDocument, (case.id, document.id)) is not None
        why_not = reusable_now(session, document, date.today())
        return render_page(
            request,
            "officer/document.html",
            who,
            title=cases.type_name(document.doc_type_code),
            document=document,
            case_code=case_code,
            page=min(page, document.page_count or 1),
            texts=texts,
            statuses=STATUS_NAMES,
            type_name=cases.type_name,
            record=record_fields(document),
            result_code=_masked_result_code(document),
            attached=attached,
            why_not=REASONS.get(why_not, why_not) if why_not else None,
            names={r: ecopy.download_name(document, r, ".pdf") for r in ("ecopy", "searchable")},
        )


@router.get("/cases/{case_code}/documents/{document_id}/pages/{number}.png")
def page_image(
    case_code: str,
    document_id: str,
    number: int,
    who: PageUser,
    database_url: DatabaseUrl,
    store: Store,
    size: str = Query("page", pattern="^(thumb|page)$"),
) -> Response:
    """A page image, through the access check (cached in the store under the document's key)."""
    _officer(who)
    with read_scope(database_url) as session:
        document = readable(session, who, document_id, case_code)
        if size == "page":  # each page looked at is on record (thumbnails belong to the preview's event)
            log_access(
                who,
                "view_page",
                session=session,
                case_code=case_code,
                document_id=document.id,
                owner_id=document.owner_id,
                detail={"page": number},
            )
    image = previews.page_png(store, document, number, size)
    return Response(image, media_type="image/png", headers={"Cache-Control": "private, no-store"})
