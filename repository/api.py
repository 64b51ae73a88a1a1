"""The repository's HTTP API for officers (FastAPI; OpenAPI at /openapi.json).

Owners are addressed by an opaque owner key in URLs, never by their identifier: an officer who
has the applicant's personal ID or tax code exchanges it for the key with POST /api/owners/lookup
(or sends it in the body of POST /api/reuse-check). URLs end up in access logs; bodies do not.
Responses are JSON objects, lists sit under ``results`` with paging, errors carry a machine-readable
code and a Vietnamese message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from ocr.understand import document_types
from quality import review
from repository import uploads
from repository.catalog import CaseDocument, CaseFile, Document, DocumentKind, Owner, QualityRun, utcnow
from repository.db import session_scope
from repository.identifiers import InvalidIdentifier, normalize_owner
from repository.reuse import UnknownProcedure, check_owner, procedures, requirements_for
from repository.search import search
from repository.storage import ObjectNotFound, ObjectStore, StorageError, open_store

PRESIGNED_TTL = timedelta(minutes=5)
UPLOAD_PAGE = Path(__file__).with_name("web") / "upload.html"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class OwnerRef(BaseModel):
    owner_kind: str = Field(description="citizen / công dân | organization / tổ chức")
    owner_id: str = Field(description="Số định danh cá nhân hoặc mã số thuế")


class ReuseCheckRequest(BaseModel):
    owner_kind: str | None = None
    owner_id: str | None = None
    owner: str | None = Field(None, description="Khóa chủ sở hữu (opaque owner key) thay cho định danh")
    procedure: str | None = None
    types: list[str] | None = None
    on: date | None = None


class AttachRequest(BaseModel):
    document_id: str
    role: Literal["component", "result"] = DocumentKind.COMPONENT
    attached_by: str = Field(description="Cán bộ đính kèm / officer attaching the document")
    procedure_code: str | None = Field(None, description="Mã thủ tục, khi hồ sơ mới chưa có trong kho")
    agency_code: str | None = None


class ReviewRequest(BaseModel):
    by: str = Field(description="Người kiểm tra / steward acting")
    note: str | None = None


class RejectRequest(BaseModel):
    by: str
    reason: str = Field(description="Lý do từ chối / why the record is rejected")


class CorrectionRequest(BaseModel):
    by: str
    fields: dict[str, str | None] = Field(description="Tên trường -> giá trị đúng (null để xóa)")
    note: str | None = None


REPORT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
                ".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".ico": "image/x-icon",
                ".otf": "font/otf", ".json": "application/json"}  # fmt: skip


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
    )
    objects = {"store": store}

    def get_store() -> ObjectStore:
        if objects["store"] is None:
            objects["store"] = open_store()
        return objects["store"]

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    @app.exception_handler(review.ReviewError)
    @app.exception_handler(uploads.UploadError)
    async def review_error(_request: Request, exc: review.ReviewError | uploads.UploadError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

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
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/api/owners/lookup")
    def lookup_owner(body: OwnerRef) -> dict:
        """Đổi định danh lấy khóa chủ sở hữu / exchange an identifier for the opaque owner key."""
        kind, identifier = _owner_identity(body.owner_kind, body.owner_id)
        with session_scope(database_url) as session:
            owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
            if owner is None:
                raise ApiError(404, "owner_not_found", "Chưa có chủ sở hữu này trong kho / no such owner")
            return {"owner": owner.id, "kind": owner.kind, "name": owner.name}

    @app.get("/api/owners/{owner}/documents")
    def owner_documents(
        owner: str,
        valid_on: date | None = None,
        type: str | None = None,  # noqa: A002 - the API's parameter name
        status: str | None = None,
        page: int = Query(1, ge=1),
        page_size: int = Query(50, ge=1, le=200),
    ) -> dict:
        with session_scope(database_url) as session:
            if session.get(Owner, owner) is None:
                raise ApiError(404, "owner_not_found", "Không tìm thấy chủ sở hữu / no such owner")
            query = select(Document).where(Document.owner_id == owner)
            if type:
                query = query.where(Document.doc_type_code == type)
            if status:
                query = query.where(Document.status == status)
            if valid_on:
                query = query.where((Document.valid_until.is_(None)) | (Document.valid_until >= valid_on))
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(
                query.order_by(Document.issue_date.desc().nulls_last(), Document.created_at.desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            ).all()
            origins = _origins(session, rows)
            return {
                "results": [_document_json(d, origins.get(d.origin_case_id)) for d in rows],
                "page": page,
                "page_size": page_size,
                "total": total,
            }

    @app.post("/api/reuse-check")
    def reuse_check(body: ReuseCheckRequest) -> dict:
        if not body.procedure and not body.types:
            raise ApiError(422, "no_requirements", "Cần mã thủ tục hoặc danh sách loại giấy tờ")
        try:
            requirements = requirements_for(body.procedure, body.types)
        except UnknownProcedure as exc:
            raise ApiError(404, "unknown_procedure", str(exc)) from None
        with session_scope(database_url) as session:
            if body.owner:
                owner = session.get(Owner, body.owner)
            elif body.owner_kind and body.owner_id:
                kind, identifier = _owner_identity(body.owner_kind, body.owner_id)
                owner = session.scalar(
                    select(Owner).where(Owner.kind == kind, Owner.identifier == identifier)
                )
            else:
                raise ApiError(422, "no_owner", "Cần khóa chủ sở hữu hoặc loại + định danh / owner required")
            report = check_owner(session, owner, requirements, body.on or date.today(), body.procedure)
            return report.as_json() | {"owner": owner.id if owner else None}

    @app.post("/api/cases/{case}/documents", status_code=201)
    def attach(case: str, body: AttachRequest) -> dict:
        """Đính kèm giấy tờ có sẵn vào hồ sơ mới: một liên kết, không sao chép / a link, not a copy."""
        with session_scope(database_url) as session:
            document = session.get(Document, body.document_id)
            if document is None:
                raise ApiError(404, "document_not_found", "Không tìm thấy giấy tờ / no such document")
            case_file = session.scalar(select(CaseFile).where(CaseFile.case_code == case))
            if case_file is None:
                if not body.procedure_code:
                    raise ApiError(404, "case_not_found", "Chưa có hồ sơ này; cần procedure_code để tạo")
                case_file = CaseFile(case_code=case, procedure_code=body.procedure_code,
                                     agency_code=body.agency_code, owner_id=document.owner_id)  # fmt: skip
                session.add(case_file)
                session.flush()
            if case_file.owner_id != document.owner_id:
                raise ApiError(409, "owner_mismatch", "Giấy tờ thuộc chủ sở hữu khác hồ sơ / another owner's")
            link = session.get(CaseDocument, (case_file.id, document.id))
            created = link is None
            if created:
                link = CaseDocument(case_id=case_file.id, document_id=document.id, role=body.role,
                                    attached_by=body.attached_by, attached_at=utcnow())  # fmt: skip
                session.add(link)
            return {
                "case_code": case,
                "document_id": document.id,
                "role": link.role,
                "attached_by": link.attached_by,
                "attached_at": _iso(link.attached_at),
                "created": created,
            }

    @app.get("/api/search")
    def search_pages(
        q: str = Query(..., min_length=1, description="Từ khóa, không cần dấu / words, accents optional"),
        owner: str | None = None,
        type: str | None = None,  # noqa: A002 - the API's parameter name
        page: int = Query(1, ge=1),
        page_size: int = Query(20, ge=1, le=100),
    ) -> dict:
        with session_scope(database_url) as session:
            hits, total = search(
                session, q, owner=owner, type_code=type, limit=page_size, offset=(page - 1) * page_size
            )
            return {
                "results": [hit.__dict__ for hit in hits],
                "page": page,
                "page_size": page_size,
                "total": total,
            }

    @app.get("/api/documents/{document_id}")
    def document(document_id: str) -> dict:
        with session_scope(database_url) as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise ApiError(404, "document_not_found", "Không tìm thấy giấy tờ / no such document")
            cases = session.scalars(
                select(CaseFile.case_code).join(CaseDocument).where(CaseDocument.document_id == doc.id)
            ).all()
            return _document_json(doc, _origins(session, [doc]).get(doc.origin_case_id)) | {
                "cases": sorted(cases)
            }

    @app.get("/api/documents/{document_id}/file", response_model=None)
    def document_file(
        document_id: str, rendition: Literal["original", "searchable", "text"] = "searchable"
    ) -> Any:
        with session_scope(database_url) as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise ApiError(404, "document_not_found", "Không tìm thấy giấy tờ / no such document")
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

    # -- intake: the upload page and its API -------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def home() -> HTMLResponse:
        return HTMLResponse(
            "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>sohoa</title></head><body"
            " style='font-family:sans-serif'><h1>sohoa - kho dữ liệu số hóa</h1><ul>"
            "<li><a href='/upload'>Tải lên hồ sơ / upload</a></li><li><a href='/reports/'>Báo cáo chất lượng"
            " / quality reports</a></li><li><a href='/docs'>API (OpenAPI)</a></li></ul></body></html>"
        )

    @app.get("/upload", include_in_schema=False)
    def upload_page() -> HTMLResponse:
        return HTMLResponse(UPLOAD_PAGE.read_text(encoding="utf-8"))

    @app.get("/api/procedures")
    def list_procedures() -> dict:
        results = [{"code": p.code, "name": p.name, "requires": [r.type for r in p.requires]}
                   for p in procedures().values()]  # fmt: skip
        return {"results": results, "total": len(results)}

    @app.get("/api/document-types")
    def list_document_types() -> dict:
        results = [{"code": k.code, "name": k.name, "owner_kind": k.owner_kind, "reusable": k.reusable}
                   for k in document_types().values()]  # fmt: skip
        return {"results": results, "total": len(results)}

    @app.post("/api/uploads", status_code=201)
    def create_upload() -> dict:
        """Bắt đầu một lượt tải lên / open an upload; then add files and start it."""
        return {"upload_id": uploads.create_upload()}

    @app.get("/api/uploads")
    def list_uploads(limit: int = Query(20, ge=1, le=200)) -> dict:
        results = uploads.list_uploads(limit)
        return {"results": results, "total": len(results)}

    @app.post("/api/uploads/{upload_id}/files", status_code=201)
    def add_upload_file(
        upload_id: str,
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
        meta = {"case_code": case_code, "procedure_code": procedure_code, "agency_code": agency_code,
                "owner_kind": owner_kind, "owner_id": owner_id, "owner_name": owner_name,
                "document_type": document_type, "kind": kind}  # fmt: skip
        return uploads.add_file(upload_id, file.filename or "", file.file, meta)

    @app.post("/api/uploads/{upload_id}/start")
    def start_upload(upload_id: str) -> dict:
        return uploads.start(upload_id)

    @app.get("/api/uploads/{upload_id}")
    def upload_status(upload_id: str) -> dict:
        return uploads.status(upload_id, database_url)

    # -- review queue and steward actions ---------------------------------------------------------

    @app.get("/api/review-queue")
    def review_queue(
        reason: str | None = None, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)
    ) -> dict:
        """Hàng đợi kiểm tra, cũ nhất trước / the review queue, oldest first."""
        return review.review_queue(reason=reason, limit=limit, offset=offset, database_url=database_url)

    @app.post("/api/documents/{document_id}/approve")
    def approve(document_id: str, body: ReviewRequest) -> dict:
        return review.approve(document_id, body.by, body.note, database_url=database_url)

    @app.post("/api/documents/{document_id}/reject")
    def reject(document_id: str, body: RejectRequest) -> dict:
        return review.reject(document_id, body.by, body.reason, database_url=database_url)

    @app.post("/api/documents/{document_id}/corrections")
    def correct(document_id: str, body: CorrectionRequest) -> dict:
        return review.correct(document_id, body.by, body.fields, body.note, database_url=database_url)

    @app.post("/api/documents/{document_id}/rerun-ocr")
    def rerun_ocr(document_id: str, body: ReviewRequest) -> dict:
        return review.rerun_ocr(document_id, body.by, body.note, store=get_store(), database_url=database_url)

    @app.get("/api/documents/{document_id}/review-history")
    def review_history(document_id: str) -> dict:
        return review.history(document_id, database_url=database_url)

    # -- quality ----------------------------------------------------------------------------------

    @app.get("/api/quality/runs")
    def quality_runs(
        scope: Literal["batch", "catalog"] | None = None, limit: int = Query(20, ge=1, le=200)
    ) -> dict:
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
    def reports_index() -> HTMLResponse:
        """Báo cáo cho người quản lý dữ liệu / steward reports and the GX Data Docs."""
        keys = sorted(get_store().list("reports/steward/"), reverse=True)
        dated = [k for k in keys if not k.endswith("/latest.html")][:60]
        has_docs = get_store().exists("reports/data-docs/index.html")
        items = "".join(f"<li><a href='/{k}'>{k.rsplit('/', 1)[-1]}</a></li>" for k in dated)
        page = (
            "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
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
    def report_file(path: str) -> Any:
        key = "reports/" + path
        if not path or ".." in path.split("/"):
            raise ApiError(404, "report_not_found", "Không tìm thấy báo cáo / no such report")
        try:
            chunks = get_store().iter_chunks(key)
        except (StorageError, IsADirectoryError):
            raise ApiError(404, "report_not_found", "Không tìm thấy báo cáo / no such report") from None
        suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
        return StreamingResponse(chunks, media_type=REPORT_TYPES.get(suffix, "application/octet-stream"))

    return app


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
