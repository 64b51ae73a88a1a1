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

from repository.api.common import log_access, owner_identity
from repository.api.deps import DatabaseUrl, PageUser, Store, check_csrf
from repository.api.routers.documents import readable
from repository.api.templating import render_page
from repository.catalog import cases
from repository.catalog.db import read_scope, session_scope
from repository.catalog.models import CaseFile, Document, Owner, Page
from repository.catalog.procedures import procedures
from repository.catalog.search import search
from repository.errors import INVALID, NOT_FOUND, DomainError
from repository.identifiers import mask
from repository.reuse import previews
from repository.reuse.counter import STATUS_NAMES, case_view
from repository.reuse.rules import refuse_unless_reusable
from repository.security.access import bind_case, open_case, require
from repository.security.auth import Principal

router = APIRouter(prefix="/officer", include_in_schema=False)


def _officer(who: Principal) -> Principal:
    require(who, "officer")
    return who


@router.get("")
def counter(request: Request, who: PageUser, database_url: DatabaseUrl, error: str | None = None) -> Response:
    _officer(who)
    with read_scope(database_url) as session:
        recent = session.execute(
            select(CaseFile.case_code, CaseFile.procedure_code, Owner.name, CaseFile.created_at)
            .join(Owner, Owner.id == CaseFile.owner_id)
            .where(CaseFile.agency_code == who.agency)
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
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Start or open a case. The identifier travels in this body only; the case code names the page."""
    _officer(who)
    check_csrf(request, csrf)
    case_code, code = case_code.strip(), procedure.split(" ")[0].strip()
    try:
        if not case_code:
            raise DomainError(INVALID, "case_required", "Cần mã hồ sơ / a case code is required")
        if code not in procedures():
            raise DomainError(INVALID, "unknown_procedure", "Chọn thủ tục trong danh sách / pick a procedure")
        identifier = owner_id.replace(" ", "").strip()
        kind, identifier = owner_identity("citizen" if len(identifier) == 12 else "organization", identifier)
    except DomainError as exc:
        return _start_again(request, who, database_url, exc.message)
    with session_scope(database_url) as session:
        owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
        if owner is None:  # nothing on file yet: the applicant is identified, their case starts here
            owner = Owner(kind=kind, identifier=identifier, name=owner_name.strip() or None)
            session.add(owner)
            session.flush()
        case = open_case(session, who, case_code, owner.id, code)
        case = session.get(CaseFile, case.id)
        if case.reusable_on_file is None:  # what the repository could serve at receipt (reuse indicator)
            case.reusable_on_file = case_view(session, case).need_not_bring
        log_access(who, "open_case", session=session, case_code=case_code, owner_id=owner.id)
    return RedirectResponse(f"/officer/cases/{case_code}", status_code=303)


def _start_again(request: Request, who: Principal, database_url: str, message: str) -> Response:
    response = counter(request, who, database_url, error=message)
    response.status_code = 422
    return response


def _case(session: Session, who: Principal, case_code: str) -> CaseFile:
    bound = bind_case(session, who, case_code, None)
    return session.get(CaseFile, bound.id)


@router.get("/cases/{case_code}")
def case_page(
    request: Request, case_code: str, who: PageUser, database_url: DatabaseUrl, q: str | None = Query(None)
) -> Response:
    _officer(who)
    with session_scope(database_url) as session:
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
            hits, _total = search(session, q, owner=case.owner_id, limit=20)
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
        )


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
