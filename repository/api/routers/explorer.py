"""The API explorer (Swagger UI) for signed-in users, with its assets served by this server:
agency intranets are often offline, so nothing is loaded from a CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from repository.api.deps import Caller, PageUser
from repository.api.templating import render_page

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi_schema(request: Request, who: Caller) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def swagger_ui(request: Request, who: PageUser) -> Response:
    return render_page(request, "explorer/swagger.html", who, title="Tài liệu API")
