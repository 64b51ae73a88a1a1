"""The admin's pages: users and their tokens, the audit chain's check and its checkpoints, and a
citizen's access history (who read which of their documents, when, for which case) - exportable for
a request under Decree 13/2023 (the data subject's right to know how their data was processed)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from repository.api.common import log_access, typed_owner
from repository.api.deps import DatabaseUrl, PageUser, Store, check_csrf
from repository.api.templating import ROLE_NAMES, render_page
from repository.catalog.agencies import agency_label
from repository.catalog.cases import type_name
from repository.catalog.db import read_scope
from repository.catalog.models import Document, Owner
from repository.errors import NOT_FOUND, DomainError
from repository.identifiers import mask
from repository.security import audit, auth
from repository.security.access import require
from repository.security.auth import MAX_TOKEN_DAYS, MIN_TOKEN_DAYS, Principal
from repository.web import formatting

router = APIRouter(prefix="/admin", include_in_schema=False)

# What each recorded action means to a citizen reading their history.
ACTION_NAMES = {
    "open_case": "Mở hồ sơ", "reuse_check": "Tra giấy tờ dùng lại được", "preview": "Xem giấy tờ",
    "view_page": "Xem trang giấy tờ", "attach": "Đính kèm vào hồ sơ", "detach": "Gỡ khỏi hồ sơ",
    "search": "Tìm trong kho dữ liệu", "download": "Tải bản sao", "lookup": "Tra cứu chủ sở hữu",
    "new_applicant": "Tạo người nộp mới", "change_applicant": "Sửa người nộp của hồ sơ",
    "cancel_case": "Hủy hồ sơ mở nhầm", "approve": "Duyệt", "reject": "Từ chối", "correct": "Sửa trường",
    "relink": "Chuyển chủ sở hữu", "change_type": "Đổi loại giấy tờ", "rerun_ocr": "Đọc lại (OCR)",
    "documents": "Xem danh sách giấy tờ", "page": "Mở trang", "access_history": "Xem lịch sử truy cập",
}  # fmt: skip
OUTCOMES = {"allowed": "Được phép", "denied": "Bị từ chối"}


def _admin(who: Principal) -> Principal:
    require(who, "admin")
    return who


# -- users and tokens -----------------------------------------------------------------------------


@router.get("/users")
def users_page(request: Request, who: PageUser, database_url: DatabaseUrl) -> Response:
    _admin(who)
    return _users(request, who, database_url)


def _users(
    request: Request,
    who: Principal,
    database_url: str,
    *,
    error: str | None = None,
    issued: dict | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        "admin/users.html",
        who,
        title="Người dùng và mã truy cập",
        status_code=status_code,
        users=auth.list_users(database_url),
        roles=ROLE_NAMES,
        error=error,
        issued=issued,
        done=done,
        min_days=MIN_TOKEN_DAYS,
        max_days=MAX_TOKEN_DAYS,
    )


@router.post("/users")
def add_user_page(
    request: Request,
    who: PageUser,
    database_url: DatabaseUrl,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    agency: Annotated[str, Form()] = "",
    days: Annotated[int, Form()] = 90,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A new user (or a new token for one): the token is shown once, on this answer only."""
    _admin(who)
    check_csrf(request, csrf)
    try:
        token = auth.add_user(name, role, agency.strip() or None, days, database_url)
    except DomainError as exc:
        return _users(request, who, database_url, error=exc.message, status_code=422)
    log_access(who, "add_user", database_url=database_url, detail={"user": name.strip(), "role": role})
    issued = {"name": name.strip(), "role": ROLE_NAMES.get(role, role), "token": token, "days": days}
    return _users(request, who, database_url, issued=issued)


@router.post("/users/{name}/revoke")
def revoke_page(
    request: Request, name: str, who: PageUser, database_url: DatabaseUrl, csrf: Annotated[str, Form()] = ""
) -> Response:
    _admin(who)
    check_csrf(request, csrf)
    count = auth.revoke(name, database_url)
    log_access(who, "revoke_user", database_url=database_url, detail={"user": name, "revoked": count})
    return _users(request, who, database_url, done=f"Đã thu hồi {count} mã / phiên của {name}.")


@router.post("/users/{name}/role")
def change_role_page(
    request: Request,
    name: str,
    who: PageUser,
    database_url: DatabaseUrl,
    role: Annotated[str, Form()],
    agency: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _admin(who)
    check_csrf(request, csrf)
    try:
        changed = auth.change_user(name, role, agency.strip() or None, database_url)
    except DomainError as exc:
        return _users(request, who, database_url, error=exc.message, status_code=422)
    if not changed:
        return _users(request, who, database_url, done=f"{name}: không có gì thay đổi.")
    log_access(
        who,
        "change_user",
        database_url=database_url,
        detail={"user": name, "role": role, "agency": agency.strip() or None},
    )
    return _users(
        request,
        who,
        database_url,
        done=f"Đã đổi vai trò / cơ quan của {name}; các mã cũ đã thu hồi: cấp mã mới cho người này.",
    )


# -- the audit chain ------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(
    request: Request, who: PageUser, database_url: DatabaseUrl, store: Store, done: str | None = None
) -> Response:
    _admin(who)
    result = audit.verify(database_url, store=store)
    anchors = []
    for key in sorted(store.list(audit.CHECKPOINTS), reverse=True)[:20]:
        try:
            anchors.append(json.loads(store.get_bytes(key)))
        except ValueError:
            anchors.append({"at": key, "count": "?", "last_id": "?"})
    log_access(
        who, "audit_verify", database_url=database_url, detail={"ok": result.ok, "events": result.events}
    )
    return render_page(
        request,
        "admin/audit.html",
        who,
        title="Kiểm tra nhật ký truy cập",
        result=result,
        anchors=anchors,
        done=done,
    )


@router.post("/audit/checkpoint")
def checkpoint_page(
    request: Request,
    who: PageUser,
    database_url: DatabaseUrl,
    store: Store,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _admin(who)
    check_csrf(request, csrf)
    audit.checkpoint(store, database_url)
    return RedirectResponse("/admin/audit?done=1", status_code=303)


# -- a citizen's access history -------------------------------------------------------------------


@router.get("/access")
def access_page(request: Request, who: PageUser) -> Response:
    _admin(who)
    return _access(request, who)


@router.post("/access")
def access_history_page(
    request: Request,
    who: PageUser,
    database_url: DatabaseUrl,
    owner_id: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The identifier comes in the form's body (never a URL); the answer names the owner by key."""
    _admin(who)
    check_csrf(request, csrf)
    try:
        kind, identifier = typed_owner(owner_id)
    except DomainError as exc:
        return _access(request, who, error=exc.message, typed=owner_id, status_code=422)
    with read_scope(database_url) as session:
        owner = session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier == identifier))
    if owner is None:
        return _access(
            request, who, typed=owner_id, error="Kho không có dữ liệu nào của số định danh / mã số thuế này."
        )
    return RedirectResponse(f"/admin/access/{owner.id}", status_code=303)


@router.get("/access/{owner_key}")
def owner_access_page(request: Request, owner_key: str, who: PageUser, database_url: DatabaseUrl) -> Response:
    _admin(who)
    owner, events = _history(owner_key, who, database_url)
    return _access(request, who, owner=owner, masked=mask(owner["identifier"]), events=events)


def _access(request: Request, who: Principal, status_code: int = 200, **context) -> Response:
    values = {"owner": None, "events": [], "typed": ""} | context
    title = "Lịch sử truy cập dữ liệu của công dân"
    return render_page(request, "admin/access.html", who, title=title, status_code=status_code, **values)


@router.get("/access/{owner_key}/export.csv")
def owner_access_csv(owner_key: str, who: PageUser, database_url: DatabaseUrl) -> Response:
    """The history as a file for the citizen's request (CSV, UTF-8 with BOM: opens in Excel as is)."""
    _admin(who)
    owner, events = _history(owner_key, who, database_url, export=True)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            f"Lịch sử truy cập dữ liệu của {owner['name'] or 'chủ sở hữu'} ({mask(owner['identifier'])})",
            f"lập lúc {formatting.when(datetime.now(UTC))}",
        ]
    )
    writer.writerow(
        [
            "Thời điểm (giờ Việt Nam)",
            "Người truy cập",
            "Vai trò",
            "Cơ quan",
            "Thao tác",
            "Giấy tờ",
            "Hồ sơ (mục đích)",
            "Kết quả",
        ]
    )
    for e in events:
        writer.writerow(
            [
                e["when"],
                e["actor"],
                e["role"],
                agency_label(e["agency"]) if e["agency"] else "",
                e["action"],
                e["document"] or "",
                e["case_code"] or "",
                e["outcome"],
            ]
        )
    name = f"lich-su-truy-cap-{owner_key[:8]}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


HISTORY_LIMIT = 2000


def _history(
    owner_key: str, who: Principal, database_url: str, export: bool = False
) -> tuple[dict, list[dict]]:
    with read_scope(database_url) as session:
        owner = session.get(Owner, owner_key)
        if owner is None:
            raise DomainError(NOT_FOUND, "owner_not_found", "Không tìm thấy chủ sở hữu này")
        found = {"id": owner.id, "name": owner.name, "identifier": owner.identifier, "kind": owner.kind}
    events = audit.owner_history(owner_key, database_url, limit=HISTORY_LIMIT)
    ids = {e["document_id"] for e in events if e["document_id"]}
    with read_scope(database_url) as session:
        documents = (
            {
                i: type_name(t) + (f" số {n}" if n and t not in ("cccd", "cmnd") else "")
                for i, t, n in session.execute(
                    select(Document.id, Document.doc_type_code, Document.number).where(Document.id.in_(ids))
                )
            }
            if ids
            else {}
        )
    shown = [
        {
            "when": formatting.when(e["at"]),
            "actor": e["actor"],
            "role": ROLE_NAMES.get(e["role"], e["role"]),
            "agency": e["agency"],
            "action": ACTION_NAMES.get(e["action"], e["action"]),
            "document": documents.get(e["document_id"]) if e["document_id"] else None,
            "case_code": e["case_code"],
            "outcome": OUTCOMES.get(e["outcome"], e["outcome"]),
        }
        for e in events
    ]
    # Reading someone's history is itself an access to their data: on the log too.
    log_access(
        who,
        "access_history",
        database_url=database_url,
        owner_id=owner_key,
        detail={"export": export, "events": len(events)},
    )
    return found, shown
