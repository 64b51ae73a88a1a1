"""Request bodies of the API (pydantic models); identifiers travel in bodies, never in URLs."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from repository.catalog.models import DocumentKind


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
    confirm: bool = Field(
        False, description="Duyệt dù thiếu trường hoặc OCR thấp (cần ghi chú) / approve anyway"
    )


class TypeChange(BaseModel):
    type: str = Field(max_length=64, description="Mã loại giấy tờ / document type code")
    note: str | None = None


class Relink(BaseModel):
    owner_kind: str = Field(description="citizen / công dân | organization / tổ chức")
    owner_id: str = Field(description="Định danh in trên giấy tờ / the identifier printed on the document")
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


class RowsCheck(BaseModel):
    rows: list[dict[str, str | None]] = Field(
        description="Các dòng: case_code, procedure_code, owner_id, owner_kind?, kind / rows to check",
        max_length=2000,
    )


class OneStopCase(BaseModel):
    case_code: str = Field(min_length=1, max_length=64)
    procedure_code: str = Field(max_length=64)
    owner_kind: str = Field(max_length=32, description="citizen / công dân | organization / tổ chức")
    owner_id: str = Field(
        max_length=32, description="Số định danh cá nhân hoặc mã số thuế (in the body only)"
    )
    owner_name: str | None = Field(None, max_length=255)
    agency_code: str | None = Field(
        None, max_length=64, description="Admins only; officers register their agency's"
    )
    received_on: date | None = Field(None, description="Ngày tiếp nhận (mặc định hôm nay)")


class Resolution(BaseModel):
    resolved_on: date | None = Field(None, description="Ngày trả kết quả (mặc định hôm nay)")
    result_document_id: str | None = Field(
        None, max_length=36, description="Giấy tờ kết quả đã số hóa, nếu có"
    )
