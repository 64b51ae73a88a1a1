"""The repository's HTTP API for officers (FastAPI; OpenAPI at /openapi.json).

Owners are addressed by an opaque owner key in URLs, never by their identifier: an officer who
has the applicant's personal ID or tax code exchanges it for the key with POST /api/owners/lookup
(or sends it in the body of POST /api/reuse-check). URLs end up in access logs; bodies do not.
Responses are JSON objects, lists sit under ``results`` with paging, errors carry a machine-readable
code and a Vietnamese message.
"""

from __future__ import annotations

import hmac
import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocr.understand import document_types
from quality import review
from repository import audit, auth, uploads
from repository.access import (
    SESSION_COOKIE,
    Hygiene,
    LoginLimiter,
    bind_case,
    csrf_token,
    open_case,
    principal_from,
    principal_from_async,
    require,
)
from repository.auth import AuthError, Principal
from repository.catalog import CaseDocument, CaseFile, Document, DocumentKind, Owner, QualityRun, utcnow
from repository.db import in_read_scope, read_scope, session_scope
from repository.identifiers import InvalidIdentifier, normalize_owner
from repository.reuse import UnknownProcedure, check_owner, procedures, requirements_for
from repository.search import search
from repository.settings import load_settings
from repository.storage import ObjectNotFound, ObjectStore, StorageError, open_store

PRESIGNED_TTL = timedelta(minutes=5)
DOCUMENTS = Document.__table__
UPLOAD_PAGE = Path(__file__).with_name("web") / "upload.html"
UPLOAD_SCRIPT = Path(__file__).with_name("web") / "upload.js"
LOGIN_PAGE = """<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><link rel='icon' href='data:,'>
<title>Đăng nhập - sohoa</title></head><body style='font-family:sans-serif;max-width:480px;margin:40px auto'>
<h1>Đăng nhập / sign in</h1>{note}<form method='post' action='/login'>
<input type='hidden' name='next' value='{next}'>
<label>Mã truy cập / access token<br><input name='token' type='password' size='50' required></label>
<p><button type='submit'>Đăng nhập</button></p></form></body></html>"""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class OwnerRef(BaseModel):
    owner_kind: str = Field(description="citizen / công dân | organization / tổ chức")
    owner_id: str = Field(description="Số định danh cá nhân hoặc mã số thuế")
    case: str | None = Field(None, description="Mã hồ sơ đang xử lý (mục đích truy cập) / the case")


class ReuseCheckRequest(BaseModel):
    owner_kind: str | None = None
    owner_id: str | None = None
    owner: str | None = Field(None, description="Khóa chủ sở hữu (opaque owner key) thay cho định danh")
    procedure: str | None = None
    types: list[str] | None = None
    on: date | None = None
    case: str | None = Field(None, description="Mã hồ sơ đang xử lý (mục đích truy cập) / the case")


class AttachRequest(BaseModel):
    document_id: str
    role: Literal["component", "result"] = DocumentKind.COMPONENT
    attached_by: str | None = Field(None, description="Mặc định: người gọi / defaults to the caller")


class ReviewRequest(BaseModel):
    note: str | None = None


class RejectRequest(BaseModel):
    reason: str = Field(description="Lý do từ chối / why the record is rejected")


class NewUser(BaseModel):
    name: str
    role: Literal["records_staff", "officer", "steward", "admin"]
    agency: str | None = None
    days: int = Field(90, description="Thời hạn mã (ngày) / token lifetime in days, 1-366")


class CorrectionRequest(BaseModel):
    fields: dict[str, str | None] = Field(description="Tên trường -> giá trị đúng (null để xóa)")
    note: str | None = None


REPORT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
                ".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".ico": "image/x-icon",
                ".otf": "font/otf", ".json": "application/json"}  # fmt: skip


async def _caller(request: Request) -> Principal:
    return await principal_from_async(request, request.app.state.database_url)


# Every route but /health names its caller: a bearer token, an SSO JWT, or the pages' session.
Caller = Annotated[Principal, Depends(_caller)]


def _document_json(doc: Document, origin: CaseFile | None) -> dict[str, Any]:
    return {
        "id": doc.id,
        "result_code": doc.result_code,
        "type": doc.doc_type_code,
        "type_name": doc.doc_type_name,
        "type_confidence": doc.type_confidence,
        "kind": doc.kind,
        "number": doc.number,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else None,
        "issuer": doc.issuer,
        "signer": doc.signer,
        "summary": doc.summary,
        "validity": {
            "valid_until": doc.valid_until.isoformat() if doc.valid_until else None,
            "permanent": doc.validity_permanent,
            "scope": doc.validity_scope,
        },
        "status": doc.status,
        "status_reason": doc.status_reason,
        "confidence": {"mean": doc.mean_confidence, "lowest": doc.min_confidence},
        "fields": {k: v for k, v in (doc.fields or {}).items() if not k.startswith("_")},
        "pages": doc.page_count,
        "provenance": {
            "case_code": origin.case_code if origin else None,
            "procedure_code": doc.procedure_code,
            "digitized_by": doc.digitized_by,
            "digitized_at": _iso(doc.digitized_at),
        },
        "supersedes": doc.supersedes_id,
    }


def create_app(database_url: str | None = None, store: ObjectStore | None = None) -> FastAPI:
    app = FastAPI(
        title="sohoa - Kho dữ liệu số hóa / digitized records repository",
        version="0.1.0",
        description="Tra cứu, tái sử dụng và tải giấy tờ đã số hóa của tổ chức, cá nhân.",
        docs_url=None,  # served below, behind sign-in
        redoc_url=None,
        openapi_url=None,
    )
    objects = {"store": store}
    database_url = database_url or load_settings().database_url  # once, not per request
    app.add_middleware(Hygiene, database_url=database_url)
    limiter = LoginLimiter()
    app.state.database_url = database_url

    def log_access(
        who: Principal, action: str, session=None, outcome: str = "allowed", **values: Any
    ) -> None:
        """The access and its audit record commit together when the route passes its session."""
        if session is None:
            audit.record(database_url, actor=who.name, role=who.role, agency=who.agency, action=action,
                         outcome=outcome, **values)  # fmt: skip
        else:
            audit.append(session, actor=who.name, role=who.role, agency=who.agency, action=action,
                         outcome=outcome, **values)  # fmt: skip

    def get_store() -> ObjectStore:
        if objects["store"] is None:
            objects["store"] = open_store()
        return objects["store"]

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    @app.exception_handler(review.ReviewError)
    @app.exception_handler(uploads.UploadError)
    @app.exception_handler(AuthError)
    async def review_error(
        request: Request, exc: review.ReviewError | uploads.UploadError | AuthError
    ) -> JSONResponse:
        if isinstance(exc, AuthError) and exc.status == 403:
            await run_in_threadpool(_log_denial, request, exc.code)
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    def _log_denial(request: Request, code: str) -> None:
        """A refused attempt on someone's data is on record too (outcome 'denied', with the reason)."""
        try:
            who = principal_from(request, database_url)
        except AuthError:
            return
        params = request.path_params
        route = request.url.path.split("/")[2] if request.url.path.startswith("/api/") else "page"
        audit.record(
            database_url, actor=who.name, role=who.role, agency=who.agency, action=route, outcome="denied",
            case_code=request.query_params.get("case") or params.get("case"),
            document_id=params.get("document_id"), owner_id=params.get("owner"),
            detail={"reason": code, "method": request.method},
        )  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in exc.errors()]
        body = {"error": {"code": "invalid_request", "message": "Yêu cầu không hợp lệ", "details": details}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        message = {404: "Không tìm thấy / not found", 405: "Phương thức không được hỗ trợ"}.get(
            exc.status_code, str(exc.detail)
        )
        return JSONResponse(
            {"error": {"code": f"http_{exc.status_code}", "message": message}}, exc.status_code
        )

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    # The officers' frequent reads are async routes whose database work runs through in_read_scope:
    # on PostgreSQL the whole request stays on the event loop (no worker-thread round trip).

    @app.post("/api/owners/lookup")
    async def lookup_owner(body: OwnerRef, who: Caller) -> dict:
        """Đổi định danh lấy khóa chủ sở hữu / exchange an identifier for the opaque owner key.

        Officers only, through a case of that owner handled by their agency."""
        require(who, "officer")
        kind, identifier = _owner_identity(body.owner_kind, body.owner_id)

        def read(session: Session) -> dict:
            owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
            open_case(session, who, body.case, owner.id if owner else None, None)
            if owner is None:
                raise ApiError(404, "owner_not_found", "Chưa có chủ sở hữu này trong kho / no such owner")
            log_access(who, "lookup", session=session, case_code=body.case, owner_id=owner.id)
            return {"owner": owner.id, "kind": owner.kind, "name": owner.name}

        return await in_read_scope(database_url, read)

    @app.get("/api/owners/{owner}/documents")
    async def owner_documents(
        owner: str,
        who: Caller,
        case: str | None = Query(None, description="Mã hồ sơ đang xử lý / the case (required)"),
        valid_on: date | None = None,
        type: str | None = None,  # noqa: A002 - the API's parameter name
        status: str | None = None,
        page: int = Query(1, ge=1),
        page_size: int = Query(50, ge=1, le=200),
    ) -> dict:
        require(who, "officer")

        def read(session: Session) -> dict:
            bind_case(session, who, case, owner)
            # Core rows, not ORM objects: this is the officer's most frequent read.
            query = select(DOCUMENTS).where(DOCUMENTS.c.owner_id == owner)
            if type:
                query = query.where(DOCUMENTS.c.doc_type_code == type)
            if status:
                query = query.where(DOCUMENTS.c.status == status)
            if valid_on:
                query = query.where(DOCUMENTS.c.valid_until.is_(None) | (DOCUMENTS.c.valid_until >= valid_on))
            # The total rides along as a window count: one round trip, not two.
            rows = session.execute(
                query.add_columns(func.count().over().label("total"))
                .order_by(DOCUMENTS.c.issue_date.desc().nulls_last(), DOCUMENTS.c.created_at.desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            ).all()
            total = rows[0].total if rows else 0
            if not rows and page > 1:  # past the last page: still say how many there are
                total = session.scalar(select(func.count()).select_from(query.subquery()))
            origins = _origins(session, rows)
            log_access(
                who,
                "list_documents",
                session=session,
                case_code=case,
                owner_id=owner,
                detail={"count": len(rows)},
            )
            return {
                "results": [_document_json(d, origins.get(d.origin_case_id)) for d in rows],
                "page": page,
                "page_size": page_size,
                "total": total,
            }

        return await in_read_scope(database_url, read)

    @app.post("/api/reuse-check")
    async def reuse_check(body: ReuseCheckRequest, who: Caller) -> dict:
        require(who, "officer")
        if not body.procedure and not body.types:
            raise ApiError(422, "no_requirements", "Cần mã thủ tục hoặc danh sách loại giấy tờ")
        try:
            requirements = requirements_for(body.procedure, body.types)
        except UnknownProcedure as exc:
            raise ApiError(404, "unknown_procedure", str(exc)) from None

        def read(session: Session) -> dict:
            owners = Owner.__table__
            named = who.case  # the case the request names, read with the token
            if body.owner and named and (named.case_code, named.owner_id) == (body.case, body.owner):
                owner = OwnerKey(body.owner)  # the case's foreign key already proves the owner exists
            elif body.owner:
                owner = session.execute(select(owners).where(owners.c.id == body.owner)).first()
            elif body.owner_kind and body.owner_id:
                kind, identifier = _owner_identity(body.owner_kind, body.owner_id)
                owner = session.execute(
                    select(owners).where(owners.c.kind == kind, owners.c.identifier == identifier)
                ).first()
            else:
                raise ApiError(422, "no_owner", "Cần khóa chủ sở hữu hoặc loại + định danh / owner required")
            if body.owner_kind and body.owner_id:  # the applicant identified: a new case may open
                open_case(session, who, body.case, owner.id if owner else None, body.procedure)
            else:  # an owner key alone proves nothing: only a case already bound to that owner
                bind_case(session, who, body.case, owner.id if owner else body.owner)
            report = check_owner(session, owner, requirements, body.on or date.today(), body.procedure)
            summary = {"procedure": body.procedure, "need_not_bring": report.need_not_bring}
            owner_key = owner.id if owner else None
            log_access(who, "reuse_check", session=session, case_code=body.case, owner_id=owner_key,
                       detail=summary)  # fmt: skip
            return report.as_json() | {"owner": owner.id if owner else None}

        return await in_read_scope(database_url, read)

    @app.post("/api/cases/{case}/documents", status_code=201)
    def attach(case: str, body: AttachRequest, who: Caller) -> dict:
        """Đính kèm giấy tờ có sẵn vào hồ sơ mới: một liên kết, không sao chép / a link, not a copy."""
        require(who, "officer")
        with session_scope(database_url) as session:
            # Purpose binding rests on the applicant having been identified when the case was opened
            # (lookup or reuse check with their identifier), never on knowing a document id: the case
            # must exist, be this agency's, and be the document owner's.
            bound = bind_case(session, who, case, None)
            document = session.get(Document, body.document_id)
            if document is None:
                raise ApiError(404, "document_not_found", "Không tìm thấy giấy tờ / no such document")
            bind_case(session, who, case, document.owner_id)
            case_file = session.get(CaseFile, bound.id)
            link = session.get(CaseDocument, (case_file.id, document.id))
            created = link is None
            if created:
                link = CaseDocument(
                    case_id=case_file.id, document_id=document.id, role=body.role,
                    attached_by=body.attached_by or who.name, attached_at=utcnow(),
                )  # fmt: skip
                session.add(link)
            audit.append(session, actor=who.name, role=who.role, agency=who.agency, action="attach",
                         outcome="allowed", case_code=case, document_id=document.id,
                         owner_id=document.owner_id)  # fmt: skip
            return {
                "case_code": case,
                "document_id": document.id,
                "role": link.role,
                "attached_by": link.attached_by,
                "attached_at": _iso(link.attached_at),
                "created": created,
            }

    @app.get("/api/search")
    async def search_pages(
        who: Caller,
        q: str = Query(..., min_length=1, description="Từ khóa, không cần dấu / words, accents optional"),
        case: str | None = Query(None, description="Mã hồ sơ: tìm trong giấy tờ của chủ hồ sơ / the case"),
        owner: str | None = None,
        type: str | None = None,  # noqa: A002 - the API's parameter name
        page: int = Query(1, ge=1),
        page_size: int = Query(20, ge=1, le=100),
    ) -> dict:
        require(who, "officer")

        def read(session: Session) -> dict:
            bound = bind_case(session, who, case, owner)  # within the case's owner only
            hits, total = search(
                session,
                q,
                owner=bound.owner_id,
                type_code=type,
                limit=page_size,
                offset=(page - 1) * page_size,
            )
            log_access(
                who,
                "search",
                session=session,
                case_code=case,
                owner_id=bound.owner_id,
                detail={"hits": total},
            )
            return {
                "results": [hit.__dict__ for hit in hits],
                "page": page,
                "page_size": page_size,
                "total": total,
            }

        return await in_read_scope(database_url, read)

    @app.get("/api/documents/{document_id}")
    async def document(document_id: str, who: Caller, case: str | None = None) -> dict:
        def read(session: Session) -> dict:
            doc = session.get(Document, document_id)
            if doc is None:
                raise ApiError(404, "document_not_found", "Không tìm thấy giấy tờ / no such document")
            _may_read(session, who, doc, case)
            log_access(
                who, "read", session=session, case_code=case, document_id=doc.id, owner_id=doc.owner_id
            )
            cases = session.scalars(
                select(CaseFile.case_code).join(CaseDocument).where(CaseDocument.document_id == doc.id)
            ).all()
            return _document_json(doc, _origins(session, [doc]).get(doc.origin_case_id)) | {
                "cases": sorted(cases)
            }

        return await in_read_scope(database_url, read)

    @app.get("/api/documents/{document_id}/file", response_model=None)
    def document_file(
        document_id: str,
        who: Caller,
        rendition: Literal["original", "searchable", "text"] = "searchable",
        case: str | None = None,
    ) -> Any:
        with read_scope(database_url) as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise ApiError(404, "document_not_found", "Không tìm thấy giấy tờ / no such document")
            _may_read(session, who, doc, case)  # before any URL is signed
            where = {"case_code": case, "document_id": doc.id, "owner_id": doc.owner_id}
            log_access(who, "download", session=session, **where,
                       detail={"rendition": rendition})  # fmt: skip
            key = {"original": doc.original_key, "searchable": doc.searchable_key, "text": doc.text_key}[
                rendition
            ]
            media = {"original": doc.content_type, "searchable": "application/pdf", "text": "text/plain"}[
                rendition
            ]
        if key is None:
            raise ApiError(404, "rendition_missing", "Giấy tờ chưa có bản này / rendition not produced yet")
        objects_store = get_store()
        url = objects_store.presigned_url(key, PRESIGNED_TTL)
        if url is not None:
            return {"url": url, "expires_in": int(PRESIGNED_TTL.total_seconds())}
        try:
            chunks = objects_store.iter_chunks(key)
        except ObjectNotFound:
            raise ApiError(
                410, "object_missing", "Tệp không còn trong kho lưu trữ / object missing"
            ) from None
        suffix = {"searchable": ".pdf", "text": ".txt"}.get(rendition) or "." + key.rsplit(".", 1)[-1]
        headers = {"Content-Disposition": f'attachment; filename="{document_id}-{rendition}{suffix}"'}
        return StreamingResponse(chunks, media_type=media or "application/octet-stream", headers=headers)

    # -- sessions for the pages -------------------------------------------------------------------

    @app.get("/login", include_in_schema=False)
    def login_page(error: str | None = None, next: str = "/") -> HTMLResponse:
        note = "<p style='color:#c53030'>Mã không hợp lệ / invalid token</p>" if error else ""
        return HTMLResponse(LOGIN_PAGE.format(note=note, next=html.escape(next, quote=True)))

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
    ) -> Response:
        client = request.client.host if request.client else "?"
        limiter.check(client)
        try:
            auth.authenticate(token.strip(), database_url)
        except AuthError:
            limiter.failed(client)
            return RedirectResponse("/login?error=1", status_code=303)
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, token.strip(), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", max_age=8 * 3600)  # fmt: skip
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        # Signing out is a state change like any other: a page of ours sends the CSRF token with it,
        # so another site cannot sign a user out behind their back.
        session = request.cookies.get(SESSION_COOKIE)
        sent = csrf or request.headers.get("x-csrf-token", "")
        if session and not hmac.compare_digest(sent, csrf_token(session)):
            raise AuthError(403, "csrf_failed", "Thiếu hoặc sai mã CSRF / CSRF token missing or wrong")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # -- the API explorer: for signed-in users only (the schema maps every route) ------------------

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_schema(who: Caller) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> Response:
        if page_caller(request) is None:
            return RedirectResponse("/login?next=/docs", status_code=303)
        return get_swagger_ui_html(openapi_url="/openapi.json", title=app.title + " - API")

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> Response:
        if page_caller(request) is None:
            return RedirectResponse("/login?next=/redoc", status_code=303)
        return get_redoc_html(openapi_url="/openapi.json", title=app.title + " - API")

    def page_caller(request: Request) -> Principal | None:
        try:
            return principal_from(request, database_url)
        except AuthError:
            return None

    # -- intake: the upload page and its API -------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        if page_caller(request) is None:
            return RedirectResponse("/login", status_code=303)
        return HTMLResponse(
            "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
            "<title>sohoa</title></head><body"
            " style='font-family:sans-serif'><h1>sohoa - kho dữ liệu số hóa</h1><ul>"
            "<li><a href='/upload'>Tải lên hồ sơ / upload</a></li><li><a href='/reports/'>Báo cáo chất lượng"
            " / quality reports</a></li><li><a href='/docs'>API (OpenAPI)</a></li></ul></body></html>"
        )

    @app.get("/upload", include_in_schema=False)
    def upload_page(request: Request) -> Response:
        who = page_caller(request)
        if who is None:
            return RedirectResponse("/login?next=/upload", status_code=303)
        require(who, "records_staff")
        page = UPLOAD_PAGE.read_text(encoding="utf-8")
        token = request.cookies.get(SESSION_COOKIE)
        meta = f"<meta name='csrf-token' content='{csrf_token(token)}'>" if token else ""
        return HTMLResponse(page.replace("<!--csrf-->", meta))

    @app.get("/upload.js", include_in_schema=False)
    def upload_script() -> Response:
        return Response(UPLOAD_SCRIPT.read_text(encoding="utf-8"), media_type="text/javascript")

    @app.get("/api/procedures")
    def list_procedures(who: Caller) -> dict:
        results = [{"code": p.code, "name": p.name, "requires": [r.type for r in p.requires]}
                   for p in procedures().values()]  # fmt: skip
        return {"results": results, "total": len(results)}

    @app.get("/api/document-types")
    def list_document_types(who: Caller) -> dict:
        results = [{"code": k.code, "name": k.name, "owner_kind": k.owner_kind, "reusable": k.reusable}
                   for k in document_types().values()]  # fmt: skip
        return {"results": results, "total": len(results)}

    @app.post("/api/uploads", status_code=201)
    def create_upload(who: Caller) -> dict:
        """Bắt đầu một lượt tải lên / open an upload; then add files and start it."""
        require(who, "records_staff")
        return {"upload_id": uploads.create_upload(who.name)}

    @app.get("/api/uploads")
    def list_uploads(who: Caller, limit: int = Query(20, ge=1, le=200)) -> dict:
        require(who, "records_staff")
        results = uploads.list_uploads(limit, created_by=who.name)
        return {"results": results, "total": len(results)}

    @app.post("/api/uploads/{upload_id}/files", status_code=201)
    def add_upload_file(
        upload_id: str,
        who: Caller,
        file: Annotated[UploadFile, File(description="Tệp quét / the scan")],
        case_code: str = Form(""),
        procedure_code: str = Form(""),
        agency_code: str = Form(""),
        owner_kind: str = Form(""),
        owner_id: str = Form("", description="Số định danh / mã số thuế (in the body, never the URL)"),
        owner_name: str = Form(""),
        document_type: str = Form(""),
        kind: str = Form("component"),
    ) -> dict:
        require(who, "records_staff")
        uploads.check_owner(upload_id, who.name)
        agency = agency_code or who.agency or ""
        meta = {"case_code": case_code, "procedure_code": procedure_code, "agency_code": agency,
                "owner_kind": owner_kind, "owner_id": owner_id, "owner_name": owner_name,
                "document_type": document_type, "kind": kind}  # fmt: skip
        return uploads.add_file(upload_id, file.filename or "", file.file, meta)

    @app.post("/api/uploads/{upload_id}/start")
    def start_upload(upload_id: str, who: Caller) -> dict:
        require(who, "records_staff")
        uploads.check_owner(upload_id, who.name)
        return uploads.start(upload_id, database_url=database_url)

    @app.get("/api/uploads/{upload_id}")
    def upload_status(upload_id: str, who: Caller) -> dict:
        require(who, "records_staff")
        uploads.check_owner(upload_id, who.name)
        return uploads.status(upload_id, database_url)

    # -- review queue and steward actions ---------------------------------------------------------

    @app.get("/api/review-queue")
    def review_queue(
        who: Caller,
        reason: str | None = None,
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> dict:
        """Hàng đợi kiểm tra, cũ nhất trước / the review queue, oldest first."""
        require(who, "steward")
        return review.review_queue(reason=reason, limit=limit, offset=offset, database_url=database_url)

    def _reviewed(who: Principal, action: str, document_id: str, result: dict) -> dict:
        audit.record_document_action(database_url, actor=who.name, role=who.role, agency=who.agency,
                                     action=action, document_id=document_id)  # fmt: skip
        return result

    @app.post("/api/documents/{document_id}/approve")
    def approve(document_id: str, body: ReviewRequest, who: Caller) -> dict:
        require(who, "steward")
        result = review.approve(document_id, who.name, body.note, database_url=database_url)
        return _reviewed(who, "approve", document_id, result)

    @app.post("/api/documents/{document_id}/reject")
    def reject(document_id: str, body: RejectRequest, who: Caller) -> dict:
        require(who, "steward")
        result = review.reject(document_id, who.name, body.reason, database_url=database_url)
        return _reviewed(who, "reject", document_id, result)

    @app.post("/api/documents/{document_id}/corrections")
    def correct(document_id: str, body: CorrectionRequest, who: Caller) -> dict:
        require(who, "steward")
        result = review.correct(document_id, who.name, body.fields, body.note, database_url=database_url)
        return _reviewed(who, "correct", document_id, result)

    @app.post("/api/documents/{document_id}/rerun-ocr")
    def rerun_ocr(document_id: str, body: ReviewRequest, who: Caller) -> dict:
        require(who, "steward")
        result = review.rerun_ocr(
            document_id, who.name, body.note, store=get_store(), database_url=database_url
        )
        return _reviewed(who, "rerun_ocr", document_id, result)

    @app.get("/api/documents/{document_id}/review-history")
    def review_history(document_id: str, who: Caller) -> dict:
        require(who, "steward")
        return review.history(document_id, database_url=database_url)

    # -- quality ----------------------------------------------------------------------------------

    @app.get("/api/quality/runs")
    def quality_runs(
        who: Caller, scope: Literal["batch", "catalog"] | None = None, limit: int = Query(20, ge=1, le=200)
    ) -> dict:
        require(who, "steward", "admin")
        with session_scope(database_url) as session:
            query = select(QualityRun).order_by(QualityRun.started_at.desc()).limit(limit)
            if scope:
                query = query.where(QualityRun.scope == scope)
            runs = [
                {"id": r.id, "scope": r.scope, "batch_id": r.batch_id, "started_at": _iso(r.started_at),
                 "success": r.success, "critical_failures": r.critical_failures, "warnings": r.warnings,
                 "checks": r.checks, "report": f"/reports/{r.report_key.removeprefix('reports/')}"
                 if r.report_key else None}
                for r in session.scalars(query)
            ]  # fmt: skip
        return {"results": runs, "total": len(runs)}

    @app.get("/reports/", response_class=HTMLResponse)
    def reports_index(who: Caller) -> HTMLResponse:
        """Báo cáo cho người quản lý dữ liệu / steward reports and the GX Data Docs."""
        require(who, "steward", "admin")
        keys = sorted(get_store().list("reports/steward/"), reverse=True)
        dated = [k for k in keys if not k.endswith("/latest.html")][:60]
        has_docs = get_store().exists("reports/data-docs/index.html")
        items = "".join(f"<li><a href='/{k}'>{k.rsplit('/', 1)[-1]}</a></li>" for k in dated)
        page = (
            "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
            "<title>Báo cáo chất lượng</title></head>"
            "<body style='font-family:sans-serif'><h1>Báo cáo chất lượng dữ liệu / quality reports</h1><ul>"
            + (
                "<li><a href='/reports/steward/latest.html'>Báo cáo mới nhất / latest report</a></li>"
                if keys
                else ""
            )
            + ("<li><a href='/reports/data-docs/index.html'>GX Data Docs</a></li>" if has_docs else "")
            + "</ul><h2>Các bản trước / earlier reports</h2>"
            + f"<ul>{items or '<li>Chưa có / none yet</li>'}</ul>"
            "</body></html>"
        )
        return HTMLResponse(page)

    @app.get("/reports/{path:path}", response_model=None)
    def report_file(path: str, who: Caller) -> Any:
        require(who, "steward", "admin")
        key = "reports/" + path
        if not path or ".." in path.split("/"):
            raise ApiError(404, "report_not_found", "Không tìm thấy báo cáo / no such report")
        try:
            chunks = get_store().iter_chunks(key)
        except (StorageError, IsADirectoryError):
            raise ApiError(404, "report_not_found", "Không tìm thấy báo cáo / no such report") from None
        suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
        headers = {}
        if path.startswith("data-docs/"):  # GX's own pages carry inline scripts
            headers["Content-Security-Policy"] = (
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'"
            )
        return StreamingResponse(
            chunks, media_type=REPORT_TYPES.get(suffix, "application/octet-stream"), headers=headers
        )

    # -- users and the audit log --------------------------------------------------------------------

    @app.get("/api/users")
    def users(who: Caller) -> dict:
        require(who, "admin")
        results = [u | {"expires": _iso(u["expires"])} for u in auth.list_users(database_url)]
        return {"results": results, "total": len(results)}

    @app.post("/api/users", status_code=201)
    def add_user(body: NewUser, who: Caller) -> dict:
        """Tạo người dùng và cấp mã truy cập (chỉ hiện một lần) / add a user; the token is shown once."""
        require(who, "admin")
        token = auth.add_user(body.name, body.role, body.agency, body.days, database_url)
        log_access(who, "add_user", detail={"user": body.name, "role": body.role})
        return {"name": body.name, "role": body.role, "agency": body.agency, "token": token}

    @app.post("/api/users/{name}/revoke")
    def revoke_user(name: str, who: Caller) -> dict:
        require(who, "admin")
        revoked = auth.revoke(name, database_url)
        log_access(who, "revoke_user", detail={"user": name})
        return {"name": name, "revoked": revoked}

    @app.get("/api/owners/{owner}/access-history")
    def access_history(owner: str, who: Caller) -> dict:
        """Lịch sử truy cập dữ liệu của một công dân / who accessed this owner's data, when and why."""
        require(who, "steward", "admin")
        results = audit.owner_history(owner, database_url)
        log_access(who, "access_history", owner_id=owner)
        return {"results": results, "total": len(results)}

    @app.get("/api/audit/verify")
    def audit_verify(who: Caller) -> dict:
        require(who, "admin")
        result = audit.verify(database_url, store=get_store())
        return {"ok": result.ok, "events": result.events, "problems": result.problems}

    def _may_read(session, who: Principal, doc: Document, case: str | None) -> None:
        """Officers through a case of the owner; stewards only documents waiting in their queue."""
        if who.role == "officer":
            bind_case(session, who, case, doc.owner_id)
            return
        if who.role == "steward" and review.in_queue(doc):
            return
        raise AuthError(
            403, "forbidden_role", f"Vai trò '{who.role}' không được xem giấy tờ này / not allowed"
        )

    return app


@dataclass(frozen=True)
class OwnerKey:
    id: str


def _iso(moment: datetime | None) -> str | None:
    """Timestamps are UTC; SQLite hands them back without their zone."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _owner_identity(kind: str, identifier: str) -> tuple[str, str]:
    try:
        return normalize_owner(kind, identifier)
    except InvalidIdentifier as exc:
        raise ApiError(422, "invalid_identifier", str(exc)) from None


def _origins(session, documents) -> dict[str, CaseFile]:
    ids = {d.origin_case_id for d in documents if d.origin_case_id}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(CaseFile).where(CaseFile.id.in_(ids)))}
