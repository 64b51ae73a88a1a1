"""Errors as the API answers them: ``{"error": {"code", "message"}}``, one handler per kind of error,
registered once. A refused attempt on someone's data (403) goes on the audit log too.

Under ``/api/`` the answer is JSON; anywhere else a person is reading, so the refusal is a page in the
layout: what happened, what to do next, a way back (``refusal_page``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from repository.api.deps import SignInRequired, layout_user, principal_from
from repository.api.templating import render_page
from repository.errors import DomainError, Kind
from repository.security import audit

STATUS = {
    Kind.INVALID: 422, Kind.NOT_FOUND: 404, Kind.CONFLICT: 409, Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403, Kind.TOO_MANY: 429, Kind.TOO_LARGE: 413, Kind.GONE: 410,
}  # fmt: skip
HTTP_MESSAGES = {404: "Không tìm thấy / not found", 405: "Phương thức không được hỗ trợ / method not allowed"}


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def register(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if exc.kind == Kind.FORBIDDEN:
            await run_in_threadpool(_log_denial, request, exc.code)
        if _for_a_person(request):
            return await run_in_threadpool(refusal_page, request, exc.code, exc.message, STATUS[exc.kind])
        return JSONResponse(error_body(exc.code, exc.message), status_code=STATUS[exc.kind])

    @app.exception_handler(SignInRequired)
    async def sign_in(_request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        details = [{"field": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in exc.errors()]
        if _for_a_person(request):
            fields = ", ".join(_field_name(d["field"]) for d in details)
            message = f"Địa chỉ hoặc biểu mẫu có giá trị không hợp lệ: {fields}"
            return await run_in_threadpool(refusal_page, request, "invalid_request", message, 422)
        return JSONResponse(error_body("invalid_request", "Yêu cầu không hợp lệ", details=details), 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        if _for_a_person(request):
            code = f"http_{exc.status_code}"
            return await run_in_threadpool(refusal_page, request, code, message, exc.status_code)
        return JSONResponse(error_body(f"http_{exc.status_code}", message), exc.status_code)


def _for_a_person(request: Request) -> bool:
    """Pages answer people; /api/ and the OpenAPI document answer programs (and our pages' scripts)."""
    path = request.url.path
    return not (path.startswith(("/api/", "/static/")) or path in ("/health", "/openapi.json"))


FIELD_NAMES = {
    "month": "tháng (MM/YYYY)",
    "page": "số trang",
    "case_code": "mã hồ sơ",
    "procedure": "thủ tục",
    "owner_id": "số định danh",
    "number": "số trang",
    "size": "cỡ ảnh",
}


def _field_name(location: str) -> str:
    return FIELD_NAMES.get(location.rsplit(".", 1)[-1], location.rsplit(".", 1)[-1])


HEADINGS = {
    401: "Cần đăng nhập",
    403: "Không được phép",
    404: "Không tìm thấy",
    409: "Chưa làm được việc này",
    410: "Không còn nữa",
    413: "Quá lớn",
    422: "Thông tin chưa đúng",
    429: "Quá nhiều lần thử",
}
# What to do next, by what went wrong; then by kind of answer.
ADVICE = {
    "forbidden_role": "Trang này dành cho vai trò khác. Trang chủ liệt kê các việc của bạn; "
    "nếu cần quyền này, hãy đề nghị quản trị hệ thống.",
    "case_not_handled": "Hồ sơ này không do cơ quan của bạn tiếp nhận (hoặc mã hồ sơ chưa có). "
    "Kiểm tra lại mã trên phiếu tiếp nhận, rồi mở hồ sơ từ Quầy một cửa.",
    "case_cancelled": "Hồ sơ này đã hủy vì mở nhầm. Mở hồ sơ đúng từ Quầy một cửa.",
    "case_not_found": "Kiểm tra lại mã hồ sơ trên phiếu tiếp nhận, rồi mở hồ sơ từ Quầy một cửa.",
    "case_owner_mismatch": "Mã hồ sơ này đã mở cho một người nộp khác. Mở hồ sơ đó để sửa người nộp nếu đã "
    "nhập nhầm, hoặc dùng mã hồ sơ khác.",
    "case_required": "Mở hồ sơ của người nộp từ Quầy một cửa trước, rồi xem giấy tờ từ trang hồ sơ.",
    "document_not_found": "Giấy tờ không có trong kho hoặc không thuộc hồ sơ này. Quay lại trang hồ sơ.",
    "bad_month": "Chọn tháng trong ô chọn tháng của trang Chỉ số phục vụ.",
    "csrf_failed": "Trang đã mở quá lâu hoặc phiên đã thay đổi. Tải lại trang rồi làm lại.",
    "agency_required": "Tài khoản của bạn chưa gắn với cơ quan nào: đề nghị quản trị hệ thống gán cơ quan.",
    "report_not_found": "Báo cáo này chưa được lập. Mở danh sách báo cáo để chọn báo cáo đã có.",
}
KIND_ADVICE = {
    404: "Địa chỉ có thể đã gõ sai hoặc đã cũ. Dùng thanh điều hướng phía trên để mở trang cần dùng.",
    403: "Trang chủ liệt kê các việc bạn được làm.",
    422: "Quay lại trang trước, sửa thông tin rồi gửi lại.",
}


def refusal_page(request: Request, code: str, message: str, status: int) -> Response:
    """A refusal a person can act on: in the layout, in Vietnamese, with the next step and a way back."""
    who = layout_user(request, request.app.state.database_url)
    referer = request.headers.get("referer", "")
    own = str(request.base_url).rstrip("/")
    back = referer[len(own) :] if referer.startswith(own + "/") else None
    if back == request.url.path:  # "back" to the page that refused is no way back
        back = None
    response = render_page(
        request, "refused.html", who, status_code=status, title=HEADINGS.get(status, "Không thực hiện được"),
        heading=HEADINGS.get(status, "Không thực hiện được"), message=message, code=code, status=status,
        advice=ADVICE.get(code) or KIND_ADVICE.get(status), back=back,
    )  # fmt: skip
    return response


def _log_denial(request: Request, code: str) -> None:
    """A refused attempt on someone's data is on record too (outcome 'denied', with the reason)."""
    database_url = request.app.state.database_url
    try:
        who = principal_from(request, database_url)
    except DomainError:
        return
    params = request.path_params
    route = request.url.path.split("/")[2] if request.url.path.startswith("/api/") else "page"
    audit.record(
        database_url, actor=who.name, role=who.role, agency=who.agency, action=route, outcome="denied",
        case_code=request.query_params.get("case") or params.get("case"),
        document_id=params.get("document_id"), owner_id=params.get("owner"),
        detail={"reason": code, "method": request.method},
    )  # fmt: skip
