"""Users and tokens (admins), and the audit chain's verification."""

from __future__ import annotations

from fastapi import APIRouter

from repository.api.common import iso, log_access
from repository.api.deps import Caller, DatabaseUrl, Store
from repository.api.schemas import NewUser
from repository.security import audit, auth
from repository.security.access import require

router = APIRouter(prefix="/api", tags=["người dùng / users"])


@router.get("/users")
def users(who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "admin")
    results = [u | {"expires": iso(u["expires"])} for u in auth.list_users(database_url)]
    return {"results": results, "total": len(results)}


@router.post("/users", status_code=201)
def add_user(body: NewUser, who: Caller, database_url: DatabaseUrl) -> dict:
    """Tạo người dùng và cấp mã truy cập (chỉ hiện một lần) / add a user; the token is shown once."""
    require(who, "admin")
    token = auth.add_user(body.name, body.role, body.agency, body.days, database_url)
    log_access(who, "add_user", database_url=database_url, detail={"user": body.name, "role": body.role})
    return {"name": body.name, "role": body.role, "agency": body.agency, "token": token}


@router.post("/users/{name}/revoke")
def revoke_user(name: str, who: Caller, database_url: DatabaseUrl) -> dict:
    require(who, "admin")
    revoked = auth.revoke(name, database_url)
    log_access(who, "revoke_user", database_url=database_url, detail={"user": name})
    return {"name": name, "revoked": revoked}


@router.get("/audit/verify")
def audit_verify(who: Caller, database_url: DatabaseUrl, store: Store) -> dict:
    require(who, "admin")
    result = audit.verify(database_url, store=store)
    return {"ok": result.ok, "events": result.events, "problems": result.problems}
