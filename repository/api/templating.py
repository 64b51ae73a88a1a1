"""Server-rendered pages: Jinja2 templates on one base layout (``repository/web/templates``).

The layout is role-aware: each role sees links to what it may open, never links that answer 403.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from repository.api.deps import SESSION_COOKIE
from repository.catalog.agencies import agency_label, agency_name
from repository.security.access import csrf_token
from repository.security.auth import Principal
from repository.web import TEMPLATES, formatting

# The pages' own templates, and quality's (the indicators' body is one template for /kpi and the report).
templates = Jinja2Templates(directory=[str(TEMPLATES), str(resources.files("quality") / "templates")])


def _marked(snippet: str) -> Markup:
    """A search snippet: its text escaped, its <mark> highlights kept."""
    safe = str(escape(snippet))
    return Markup(safe.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


templates.env.filters["marked"] = _marked
formatting.install(templates.env)  # one rule for dates, times and numbers on every page
templates.env.filters["agency"] = agency_label
templates.env.filters["agency_name"] = agency_name

ROLE_NAMES = {"records_staff": "Văn thư / cán bộ một cửa", "officer": "Cán bộ thụ lý",
              "steward": "Cán bộ quản lý dữ liệu", "admin": "Quản trị hệ thống"}  # fmt: skip
# (path, label, what it is for) per role: the home page and the navigation read the same list.
LINKS = {
    "records_staff": [
        ("/upload", "Tải lên hồ sơ", "Tải các tệp quét của hồ sơ lên để số hóa, theo dõi từng tệp")
    ],
    "officer": [("/officer", "Quầy một cửa", "Mở hồ sơ của người nộp, dùng lại giấy tờ đã có trong kho")],
    "steward": [
        ("/review", "Hàng đợi kiểm tra", "Sửa, duyệt hoặc từ chối những giấy tờ hệ thống chưa đọc chắc chắn"),
        ("/reports/", "Báo cáo chất lượng", "Báo cáo chất lượng dữ liệu số hóa và GX Data Docs"),
        ("/kpi", "Chỉ số phục vụ", "Tỷ lệ số hóa, trả kết quả điện tử, tái sử dụng dữ liệu theo cơ quan"),
    ],
    "admin": [
        ("/admin/users", "Người dùng", "Thêm người dùng, cấp và thu hồi mã truy cập, đổi vai trò và cơ quan"),
        ("/admin/audit", "Nhật ký truy cập", "Kiểm tra nhật ký truy cập không bị sửa, xóa; tạo mốc neo"),
        (
            "/admin/access",
            "Lịch sử truy cập",
            "Ai đã xem giấy tờ nào của một công dân, khi nào, cho hồ sơ nào; xuất tệp (Nghị định 13)",
        ),
        ("/reports/", "Báo cáo chất lượng", "Báo cáo chất lượng dữ liệu số hóa và GX Data Docs"),
        ("/kpi", "Chỉ số phục vụ", "Tỷ lệ số hóa, trả kết quả điện tử, tái sử dụng dữ liệu theo cơ quan"),
    ],
}
COMMON = [
    ("/huong-dan", "Hướng dẫn", "Các bước làm việc hằng ngày của vai trò của bạn"),
    ("/docs", "Tài liệu API", "Các API của kho dữ liệu số hóa (OpenAPI), cho hệ thống kết nối"),
]


def render_page(request: Request, name: str, who: Principal | None, status_code: int = 200,
                **context: Any) -> Response:  # fmt: skip
    session = request.cookies.get(SESSION_COOKIE)
    links = (LINKS.get(who.role, []) + COMMON) if who else []
    values = {"who": who, "role_name": ROLE_NAMES.get(who.role, who.role) if who else None, "links": links,
              "csrf": csrf_token(session) if session and who else "", "path": request.url.path}  # fmt: skip
    return templates.TemplateResponse(request, name, values | context, status_code=status_code)
