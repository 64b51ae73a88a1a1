"""Records staff's uploads: open one, stream files into it with their manifest fields, start, follow."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from repository.api.deps import Caller, DatabaseUrl
from repository.api.schemas import RowsCheck
from repository.errors import FORBIDDEN, INVALID, DomainError
from repository.intake import uploads
from repository.intake.manifest import ManifestError, check_row, read_manifest
from repository.security.access import require, require_agency

router = APIRouter(prefix="/api/uploads", tags=["tải lên / uploads"])
MANIFEST_LIMIT = 1024 * 1024 - 4096  # inside the API's body limit


@router.post("", status_code=201)
def create_upload(who: Caller) -> dict:
    """Bắt đầu một lượt tải lên / open an upload; then add files and start it."""
    require(who, "records_staff")
    return {"upload_id": uploads.create_upload(who.name)}


@router.get("")
def list_uploads(who: Caller, database_url: DatabaseUrl, limit: int = Query(20, ge=1, le=200)) -> dict:
    require(who, "records_staff")
    results = uploads.list_uploads(limit, created_by=who.name, database_url=database_url)
    return {"results": results, "total": len(results)}


def _row(
    case_code: str = Form(""), procedure_code: str = Form(""), agency_code: str = Form(""),
    owner_kind: str = Form(""),
    owner_id: str = Form("", description="Số định danh / mã số thuế (in the body, never the URL)"),
    owner_name: str = Form(""), document_type: str = Form(""), kind: str = Form("component"),
) -> dict[str, str]:  # fmt: skip
    """A file's row as the page declares it (the same fields whether the file is new or sent again)."""
    return {"case_code": case_code, "procedure_code": procedure_code, "agency_code": agency_code,
            "owner_kind": owner_kind, "owner_id": owner_id, "owner_name": owner_name,
            "document_type": document_type, "kind": kind}  # fmt: skip


DeclaredRow = Annotated[dict[str, str], Depends(_row)]


@router.post("/{upload_id}/files", status_code=201)
def add_upload_file(
    upload_id: str, who: Caller, row: DeclaredRow,
    file: Annotated[UploadFile, File(description="Tệp quét / the scan")],
) -> dict:  # fmt: skip
    meta = _declared(who, upload_id, row)
    return uploads.add_file(upload_id, file.filename or "", file.file, meta)


@router.post("/{upload_id}/files/again", status_code=201)
def add_file_again(
    upload_id: str, who: Caller, row: DeclaredRow, from_upload: str = Form(...),
    from_index: int = Form(..., ge=0),
) -> dict:  # fmt: skip
    """Gửi lại tệp bị từ chối với thông tin đã sửa / send a turned-away file again, its row fixed (the
    earlier upload kept the original)."""
    uploads.check_owner(from_upload, who.name)
    return uploads.add_again(upload_id, from_upload, from_index, _declared(who, upload_id, row))


def _declared(who, upload_id: str, row: dict[str, str]) -> dict[str, str]:
    require(who, "records_staff")
    uploads.check_owner(upload_id, who.name)
    own = require_agency(who)
    agency_code = row["agency_code"]
    if agency_code and agency_code != own:
        # Records staff file cases under their own agency only: another agency's code here would
        # file (or resolve) that agency's cases.
        raise DomainError(
            FORBIDDEN,
            "agency_not_yours",
            f"Chỉ được tải lên hồ sơ của cơ quan mình ({own}), không phải {agency_code} / not your agency",
        )
    return row | {"agency_code": own}


@router.post("/{upload_id}/start")
def start_upload(upload_id: str, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "records_staff")
    uploads.check_owner(upload_id, who.name)
    return uploads.start(upload_id, database_url=database_url)


@router.get("/{upload_id}")
def upload_status(upload_id: str, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "records_staff")
    uploads.check_owner(upload_id, who.name)
    return uploads.status(upload_id, database_url)


@router.post("/check")
def check_rows(body: RowsCheck, who: Caller) -> dict:
    """Kiểm tra các dòng trước khi gửi tệp / check rows (case, procedure, kind, identifier) before any
    byte is sent; the identifiers travel in this body only."""
    require(who, "records_staff")
    results = []
    for number, row in enumerate(body.rows, start=1):
        fields: dict = {}
        reason = check_row({k: str(v or "") for k, v in row.items()}, fields)
        results.append(
            {"row": number, "ok": reason is None, "reason": reason, "owner_kind": fields.get("owner_kind")}
        )
    return {"results": results, "ok": all(r["ok"] for r in results)}


@router.post("/manifest")
def read_manifest_file(
    who: Caller, file: Annotated[UploadFile, File(description="manifest CSV / XLSX / JSON")]
) -> dict:
    """Đọc manifest (CSV, XLSX, JSON) để điền bảng tệp / read a manifest to fill the page's table."""
    require(who, "records_staff")
    suffix = Path(file.filename or "manifest.csv").suffix.lower()
    if suffix not in (".csv", ".xlsx", ".json"):
        raise DomainError(
            INVALID, "manifest_format", "Manifest phải là CSV, XLSX hoặc JSON / unsupported manifest"
        )
    with tempfile.TemporaryDirectory(prefix="sohoa-manifest-") as tmp:
        path = Path(tmp, "manifest" + suffix)
        path.write_bytes(file.file.read(MANIFEST_LIMIT + 1)[:MANIFEST_LIMIT])
        try:
            rows = read_manifest(path)
        except ManifestError as exc:
            raise DomainError(
                INVALID, "manifest_unreadable", str(exc).replace("manifest" + suffix, file.filename or "")
            ) from None
    return {"rows": [r.values for r in rows], "total": len(rows)}
