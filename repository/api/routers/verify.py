"""Verifying an e-copy, for whoever holds one: a receiving officer (the API) or the citizen (the page,
no sign-in: the QR's link opens it). What it shows is what the paper itself carries - the document's
name, the copying agency, when it was signed - and the answers: signature intact, from a configured
agency, the very bytes the repository issued, still current, the document's status today."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from repository.api.deps import Caller, DatabaseUrl
from repository.api.middleware import VERIFY_LIMIT
from repository.api.templating import render_page
from repository.catalog.db import read_scope
from repository.catalog.models import Document, Ecopy
from repository.errors import INVALID, DomainError
from repository.pipeline import ecopy

router = APIRouter(tags=["xác minh / verify"])


async def _read(file: UploadFile) -> bytes:
    data = await file.read(VERIFY_LIMIT + 1)
    if len(data) > VERIFY_LIMIT:
        raise DomainError(INVALID, "too_large", "Tệp quá lớn để xác minh (tối đa 64 MiB) / file too large")
    if not data.startswith(b"%PDF-"):
        raise DomainError(INVALID, "not_pdf", f"{file.filename or 'Tệp'}: không phải tệp PDF / not a PDF")
    return data


async def _verdict(data: bytes, database_url: str) -> ecopy.Verdict:
    # Reading the catalog and checking a signature are blocking work: off the event loop.
    return await run_in_threadpool(_verify_in_thread, data, database_url)


def _verify_in_thread(data: bytes, database_url: str) -> ecopy.Verdict:
    with read_scope(database_url) as session:
        return ecopy.verify(data, session)


@router.post("/api/verify")
async def verify_api(who: Caller, database_url: DatabaseUrl, file: Annotated[UploadFile, File()]) -> dict:
    """Xác minh bản sao điện tử / verify an e-copy: signature, issuer, issued bytes, status today."""
    verdict = await _verdict(await _read(file), database_url)
    return verdict.as_json()


@router.get("/verify", include_in_schema=False)
def verify_page(
    request: Request, database_url: DatabaseUrl, ecopy_id: str | None = Query(None, alias="ecopy")
):
    """The QR's link: what the repository knows of that e-copy (nothing the paper does not show)."""
    issued = None
    if ecopy_id:
        with read_scope(database_url) as session:
            row = session.get(Ecopy, ecopy_id)
            if row is not None:
                doc = session.get(Document, row.document_id)
                issued = {
                    "document_name": doc.doc_type_name if doc else None,
                    "agency": ecopy.agency_name(row.agency_code),
                    "signed_at": row.signed_at.isoformat(timespec="seconds") if row.signed_at else None,
                    "current": ecopy.is_current(row, doc),
                    "status": ecopy.STATUS_NAMES.get(ecopy.status_today(session, doc)) if doc else None,
                }
    return render_page(request, "verify.html", None, title="Xác minh bản sao điện tử", issued=issued,
                       asked=bool(ecopy_id), verdict=None, statuses=ecopy.STATUS_NAMES)  # fmt: skip


@router.post("/verify", include_in_schema=False)
async def verify_upload(
    request: Request, database_url: DatabaseUrl, file: Annotated[UploadFile, File()]
) -> Response:
    try:
        verdict = await _verdict(await _read(file), database_url)
    except DomainError as exc:
        return render_page(request, "verify.html", None, title="Xác minh bản sao điện tử", error=exc.message,
                           issued=None, asked=False, verdict=None, statuses=ecopy.STATUS_NAMES,
                           status_code=400)  # fmt: skip
    return render_page(request, "verify.html", None, title="Xác minh bản sao điện tử", verdict=verdict,
                       issued=None, asked=False, statuses=ecopy.STATUS_NAMES,
                       filename=file.filename)  # fmt: skip
