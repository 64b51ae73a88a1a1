"""The service indicators: the JSON for the city's systems, and the dashboard for stewards and admins."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from quality.indicators import indicators, month_bounds
from quality.kpi_report import PREFIX, month_page, render_month, write_month_xlsx
from repository.api.deps import Caller, DatabaseUrl, PageUser, Store
from repository.api.templating import render_page
from repository.errors import INVALID, DomainError
from repository.security.access import require

router = APIRouter(tags=["chỉ số / indicators"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = Query(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


def _period(month: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    if start or end:
        first, last = start or end, end or start
        if first > last:
            raise DomainError(INVALID, "bad_period", "Ngày bắt đầu sau ngày kết thúc / start after end")
        return first, last
    try:
        return month_bounds(month or date.today().strftime("%Y-%m"))
    except ValueError:
        raise DomainError(INVALID, "bad_month", "Tháng không hợp lệ (YYYY-MM) / not a month") from None


@router.get("/api/kpi")
def kpi(
    who: Caller, database_url: DatabaseUrl, month: str | None = MONTH,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    agency: str | None = None,
) -> dict:  # fmt: skip
    """Tỷ lệ số hóa, trả kết quả điện tử, tái sử dụng dữ liệu; theo cơ quan, thủ tục, lĩnh vực."""
    require(who, "steward", "admin")
    return indicators(*_period(month, start, end), agency, database_url)


@router.get("/kpi", include_in_schema=False)
def dashboard(request: Request, who: PageUser, database_url: DatabaseUrl, store: Store,
              month: str | None = MONTH) -> Response:  # fmt: skip
    require(who, "steward", "admin")
    month = month or date.today().strftime("%Y-%m")
    _period(month, None, None)  # a month that does not exist is refused, not a server error
    reports = sorted({k.removeprefix(PREFIX).rsplit(".", 1)[0] for k in store.list(PREFIX)}, reverse=True)
    return render_page(request, "kpi.html", who, title="Chỉ số phục vụ", reports=reports,
                       **month_page(month, database_url))  # fmt: skip


@router.get("/kpi/{month}.xlsx", include_in_schema=False)
def month_workbook(month: str, who: PageUser, database_url: DatabaseUrl) -> Response:
    """Bảng tính chỉ số của một tháng bất kỳ / any month's workbook, made on request."""
    require(who, "steward", "admin")
    _period(month, None, None)
    handle, name = tempfile.mkstemp(prefix="sohoa-kpi-", suffix=".xlsx")
    os.close(handle)
    write_month_xlsx(month, Path(name), database_url)
    return FileResponse(
        name,
        filename=f"chi-so-phuc-vu-{month}.xlsx",
        background=BackgroundTask(os.unlink, name),
        media_type=XLSX,
    )


@router.get("/kpi/{month}/report", include_in_schema=False)
def month_report(month: str, who: PageUser, database_url: DatabaseUrl) -> Response:
    """Báo cáo tháng (HTML, tự chứa) của một tháng bất kỳ / any month's report, made on request."""
    require(who, "steward", "admin")
    _period(month, None, None)
    return HTMLResponse(render_month(month, database_url))
