"""Access and audit: every route x every role x own/other agency x with/without a case; the audit
chain catches edits, deletions, reordering and a cut tail; tokens, JWT, sessions, CSRF, headers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from repository.api import create_app
from repository.catalog.db import get_engine, migrate, session_scope
from repository.catalog.models import ApiToken
from repository.security import audit
from repository.storage import LocalStore
from tests.helpers import CASE, PID, bearer, seed_catalog, sign_in, token_for

ROLES = ("records_staff", "officer", "steward", "admin")
OWN, OTHER = "UBND.TX", "UBND.NL"
SSO_SECRET = "sso-shared-secret-of-32-bytes-or-more"


@pytest.fixture
def world(catalog_url: str, tmp_path, home):
    store = LocalStore(tmp_path / "objects")
    ids = seed_catalog(catalog_url, store)
    app = create_app(catalog_url, store)
    tokens = {
        (role, agency): token_for(role, agency, catalog_url) for role in ROLES for agency in (OWN, OTHER)
    }
    return app, ids, tokens, catalog_url


def routes(ids: dict, case: str | None, upload_id: str) -> list[tuple[str, str, str, dict]]:
    """Every route: (who may, method, path, request kwargs). who: officer | steward | records_staff |
    admin | steward+admin | any | uploader (the records staff who opened the upload)."""
    q = {"case": case} if case else {}
    owner, doc, queued = ids["owner"], ids["marital"], ids["card"]  # the card waits for a steward
    up = f"/api/uploads/{upload_id}"
    return [
        ("officer", "POST", "/api/owners/lookup", {"json": {"owner_kind": "citizen", "owner_id": PID} | q}),
        ("officer", "GET", f"/api/owners/{owner}/documents", {"params": q}),
        ("officer", "POST", "/api/reuse-check", {"json": {"owner": owner, "procedure": "HT.KETHON"} | q}),
        ("officer", "GET", "/api/search", {"params": {"q": "hôn nhân"} | q}),
        ("officer", "GET", f"/api/documents/{doc}", {"params": q}),
        ("officer", "GET", f"/api/documents/{doc}/file", {"params": {"rendition": "text"} | q}),
        ("officer", "POST", f"/api/cases/{case or CASE}/documents", {"json": {"document_id": doc}}),
        ("officer", "DELETE", f"/api/cases/{case or CASE}/documents/{doc}", {}),
        # The officer's counter: pages that name their case in the path.
        ("officer_any", "GET", "/officer", {}),
        (
            "officer",
            "POST",
            "/officer/cases",
            {"data": {"case_code": CASE, "procedure": "HT.KETHON", "owner_id": PID}},
        ),
        ("officer", "GET", f"/officer/cases/{CASE}", {}),
        ("officer", "POST", f"/officer/cases/{CASE}/attach", {"data": {"document_id": doc}}),
        ("officer", "POST", f"/officer/cases/{CASE}/detach", {"data": {"document_id": doc}}),
        ("officer", "GET", f"/officer/cases/{CASE}/documents/{doc}", {}),
        # Corrections of a case opened by mistake (the same applicant again, a cancel without reason:
        # both answered, neither changes the case the other routes use).
        (
            "officer",
            "POST",
            f"/officer/cases/{CASE}/applicant",
            {"data": {"owner_id": PID, "reason": "gõ nhầm số", "checked": "1"}},
        ),
        ("officer", "POST", f"/officer/cases/{CASE}/cancel", {"data": {"reason": ""}}),
        (
            "officer",
            "GET",
            f"/officer/cases/{CASE}/documents/{doc}/pages/1.png",
            {"params": {"size": "thumb"}},
        ),
        ("steward", "GET", "/api/review-queue", {}),
        # The review desk's pages (before the actions below take the card out of the queue).
        ("steward", "GET", "/review", {}),
        ("steward", "GET", f"/review/{queued}", {}),
        ("steward", "POST", f"/review/{queued}", {"data": {"action": "save"}}),
        ("steward", "GET", f"/review/{queued}/pages/1.png", {"params": {"size": "thumb"}}),
        ("steward", "GET", f"/review/{queued}/words/1.json", {}),
        ("steward", "GET", f"/api/documents/{queued}/review-history", {}),
        ("steward", "POST", f"/api/documents/{queued}/corrections", {"json": {"fields": {"number": "9"}}}),
        ("steward", "POST", f"/api/documents/{queued}/approve", {"json": {}}),
        ("steward", "POST", f"/api/documents/{queued}/reject", {"json": {"reason": "mờ"}}),
        ("steward", "POST", f"/api/documents/{queued}/rerun-ocr", {"json": {}}),
        ("steward", "POST", f"/api/documents/{queued}/type", {"json": {"type": "cccd"}}),
        (
            "steward",
            "POST",
            f"/api/documents/{queued}/relink",
            {"json": {"owner_kind": "citizen", "owner_id": PID}},
        ),
        ("steward+admin", "GET", "/api/quality/runs", {}),
        ("steward+admin", "GET", "/reports/", {}),
        ("steward+admin", "GET", "/reports/steward/latest.html", {}),
        ("steward+admin", "POST", "/reports/refresh", {}),
        ("steward+admin", "GET", "/api/kpi", {"params": {"month": "2026-11"}}),
        ("steward+admin", "GET", "/kpi", {}),
        ("steward+admin", "GET", "/kpi/2026-11.xlsx", {}),
        ("steward+admin", "GET", "/kpi/2026-11/report", {}),
        (
            "officer+admin",
            "POST",
            "/api/one-stop/cases",
            {
                "json": {
                    "case_code": CASE,
                    "procedure_code": "HT.KETHON",
                    "owner_kind": "citizen",
                    "owner_id": PID,
                }
            },
        ),
        ("officer_or_admin", "POST", f"/api/one-stop/cases/{CASE}/resolution", {"json": {}}),
        ("steward+admin", "GET", f"/api/owners/{owner}/access-history", {}),
        ("records_staff", "POST", "/api/uploads", {}),
        ("records_staff", "GET", "/api/uploads", {}),
        (
            "records_staff",
            "POST",
            "/api/uploads/check",
            {"json": {"rows": [{"case_code": "X", "owner_id": PID}]}},
        ),
        (
            "records_staff",
            "POST",
            "/api/uploads/manifest",
            {"files": {"file": ("m.csv", b"file,case_code\n")}},
        ),
        ("uploader", "GET", up, {}),
        (
            "uploader",
            "POST",
            f"{up}/files",
            {"files": {"file": ("a.pdf", b"%PDF-1.4")}, "data": {"case_code": "X"}},
        ),
        ("uploader", "POST", f"{up}/start", {}),
        ("uploader", "POST", f"{up}/files/again", {"data": {"from_upload": upload_id, "from_index": "0"}}),
        ("admin", "GET", "/api/users", {}),
        ("admin", "POST", "/api/users", {"json": {"name": f"u-{case}", "role": "officer", "agency": OWN}}),
        ("admin", "POST", "/api/users/nobody/revoke", {}),
        ("admin", "GET", "/api/audit/verify", {}),
        ("admin", "GET", "/admin/users", {}),
        ("admin", "POST", "/admin/users", {"data": {"name": f"p-{case}", "role": "officer", "agency": OWN}}),
        ("admin", "POST", "/admin/users/nobody/revoke", {}),
        ("admin", "POST", "/admin/users/nobody/role", {"data": {"role": "officer"}}),
        ("admin", "GET", "/admin/audit", {}),
        ("admin", "POST", "/admin/audit/checkpoint", {}),
        ("admin", "GET", "/admin/access", {}),
        ("admin", "POST", "/admin/access", {"data": {"owner_id": PID}}),
        ("admin", "GET", f"/admin/access/{owner}", {}),
        ("admin", "GET", f"/admin/access/{owner}/export.csv", {}),
        ("any", "GET", "/api/procedures", {}),
        ("any", "POST", "/api/verify", {"files": {"file": ("x.pdf", b"%PDF-1.4\n", "application/pdf")}}),
        ("any", "GET", "/api/document-types", {}),
        ("any", "GET", "/openapi.json", {}),
    ]


def allowed(who: str, role: str, agency: str, case: str | None, path: str) -> bool:
    if who == "any":
        return True
    if who == "officer_any":  # the counter's start page: any officer
        return role == "officer"
    if who == "officer_or_admin":  # the one-stop system's calls: the case's agency's officer, or an admin
        return role == "admin" or (role == "officer" and agency == OWN)
    if who == "officer":
        # Attaching and the counter name their case in the path; every read names it as a parameter.
        has_case = case is not None or path.startswith(("/api/cases/", "/officer/"))
        return role == "officer" and agency == OWN and has_case
    if who == "uploader":
        return role == "records_staff" and agency == OWN  # the (records_staff, OWN) user opened it
    return role in who.split("+")


def _refusal_code(response) -> str:
    """The API's JSON code, or a page's (a refusal page names it for support)."""
    if response.headers["content-type"].startswith("application/json"):
        return response.json()["error"]["code"]
    found = re.search(r"Mã lỗi \(cho bộ phận hỗ trợ\): (\w+)", response.text)
    return found.group(1) if found else response.text[:300]


def test_the_matrix_covers_every_route(world) -> None:
    app, ids, _tokens, _ = world
    from fastapi.routing import APIRoute

    ids_in_paths = r"[0-9a-f-]{36}|nobody|steward/latest\.html|1(?=\.(?:png|json))|2026-11(?=\.xlsx|/report)"
    case = re.escape(CASE)
    pattern = ids_in_paths + rf"|(?<=/officer/cases/){case}|(?<=/one-stop/cases/){case}"
    covered = {(m, re.sub(pattern, "{}", path))
               for _, m, path, _ in routes(ids, CASE, "0" * 8 + "-0000-0000-0000-" + "0" * 12)}  # fmt: skip
    public = {
        "/health",
        "/login",
        "/logout",
        "/",
        "/upload",
        "/upload.js",
        "/docs",
        "/verify",  # whoever holds an e-copy verifies it, without an account
        "/huong-dan",  # every role's guide
        "/users",  # old addresses, sent on to /admin/users
        "/admin",
    }  # pages check their session
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path not in public:
            for method in route.methods - {"HEAD"}:
                shape = re.sub(r"\{[^}]+\}", "{}", route.path)
                assert (method, shape.replace("/api/cases/{}", f"/api/cases/{CASE}")) in covered or (
                    method,
                    shape,
                ) in covered, (method, route.path)


@pytest.mark.parametrize("with_case", [True, False])
def test_route_role_agency_case_matrix(world, with_case: bool) -> None:
    app, ids, tokens, _ = world
    client = TestClient(app)
    case = CASE if with_case else None
    upload_id = client.post("/api/uploads", headers=bearer(tokens[("records_staff", OWN)])).json()[
        "upload_id"
    ]
    checked = 0
    for who, method, path, kwargs in routes(ids, case, upload_id):
        anonymous = client.request(method, path, follow_redirects=False, **kwargs)
        if path.startswith(("/reports/", "/officer", "/review", "/kpi", "/admin")):  # pages: sign in first
            assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login"), path
        else:
            assert anonymous.status_code == 401, path  # no token, no entry
        for role in ROLES:
            for agency in (OWN, OTHER):
                response = client.request(method, path, headers=bearer(tokens[(role, agency)]), **kwargs)
                if allowed(who, role, agency, case, path):
                    # Past the gate: the answer is the route's own (2xx, or 404/409/422 on its data).
                    assert response.status_code not in (401, 403), (path, role, agency, case, response.text)
                    assert response.status_code < 500, (path, role, agency, response.text)
                else:
                    assert response.status_code == 403, (path, role, agency, case, response.text)
                    assert _refusal_code(response) in (
                        "forbidden_role", "case_required", "case_not_handled", "case_owner_mismatch",
                        "not_your_upload",
                    )  # fmt: skip
                checked += 1
    assert checked == len(routes(ids, case, upload_id)) * len(ROLES) * 2
    assert client.get("/health").status_code == 200


def test_officer_of_another_owner_case_is_denied_and_reads_are_audited(world) -> None:
    app, ids, tokens, url = world
    officer = TestClient(app, headers=bearer(tokens[("officer", OWN)]))
    foreign = officer.get(f"/api/documents/{ids['foreign']}", params={"case": CASE})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "case_owner_mismatch"
    officer.get(f"/api/documents/{ids['marital']}", params={"case": CASE})
    officer.get(f"/api/documents/{ids['marital']}/file", params={"case": CASE, "rendition": "text"})
    steward = TestClient(app, headers=bearer(tokens[("steward", OWN)]))
    history = steward.get(f"/api/owners/{ids['owner']}/access-history").json()["results"]
    actions = [(h["action"], h["case_code"], h["role"]) for h in history]
    assert ("read", CASE, "officer") in actions and ("download", CASE, "officer") in actions
    assert all(PID not in str(h) for h in history)
    # Refused attempts are on record as well, with who tried and through which case.
    other = TestClient(app, headers=bearer(tokens[("officer", OTHER)]))
    assert other.get(f"/api/owners/{ids['owner']}/documents", params={"case": CASE}).status_code == 403
    history = steward.get(f"/api/owners/{ids['owner']}/access-history").json()["results"]
    assert (
        history[0]["outcome"] == "denied"
        and history[0]["agency"] == OTHER
        and history[0]["case_code"] == CASE
    )


def _tamper(url: str, statement: str) -> None:
    with get_engine(url).begin() as conn:
        for part in statement.split(";"):
            conn.execute(text(part))


@pytest.mark.parametrize(
    ("attack", "statement"),
    [
        ("edit", "UPDATE audit_event SET outcome = 'denied' WHERE id = 2"),
        ("delete", "DELETE FROM audit_event WHERE id = 2"),
        # Swap two events' positions: each keeps its own hashes, the chain no longer links.
        ("reorder", "UPDATE audit_event SET id = 1000 WHERE id = 2; UPDATE audit_event SET id = 2 "
                    "WHERE id = 3; UPDATE audit_event SET id = 3 WHERE id = 1000"),
        ("cut_tail", "DELETE FROM audit_event WHERE id = (SELECT MAX(id) FROM audit_event)"),
    ],
)  # fmt: skip
def test_audit_tampering_is_detected(catalog_url: str, attack: str, statement: str) -> None:
    for n in range(4):
        event = {"role": "officer", "agency": OWN, "action": "read", "outcome": "allowed", "case_code": CASE}
        audit.record(catalog_url, actor=f"officer-{n % 2}", document_id=f"doc-{n}", owner_id="owner", **event)
    assert audit.verify(catalog_url).ok
    _tamper(catalog_url, statement)
    result = audit.verify(catalog_url)
    assert not result.ok, attack
    assert result.problems


def test_audit_verify_command(home) -> None:
    migrate()
    for n in range(3):
        audit.record(None, actor="a", role="officer", agency=OWN, action="read", outcome="allowed",
                     document_id=f"d{n}")  # fmt: skip
    env = os.environ.copy()
    command = [sys.executable, "-m", "repository", "audit", "verify"]
    ok = subprocess.run(command, capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "nguyên vẹn" in ok.stdout
    from repository.settings import load_settings

    _tamper(load_settings().database_url, "UPDATE audit_event SET action = 'nothing' WHERE id = 1")
    bad = subprocess.run(command, capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "#1" in bad.stderr


def test_users_command_prints_the_token_once_and_revokes(home) -> None:
    env = os.environ.copy()

    def sohoa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "repository", *args], capture_output=True, text=True, env=env
        )

    added = sohoa("users", "add", "lan", "--role", "steward", "--agency", "SO.TP")
    token = added.stdout.strip()
    assert added.returncode == 0 and token.startswith("sohoa_")
    app = create_app()
    client = TestClient(app, headers=bearer(token))
    assert client.get("/api/review-queue").status_code == 200
    listed = sohoa("users", "list")
    assert "lan" in listed.stdout and token not in listed.stdout
    with session_scope() as s:
        assert token not in str([t.token_hash for t in s.query(ApiToken)])  # stored hashed
    assert sohoa("users", "revoke", "lan").returncode == 0
    gone = client.get("/api/review-queue")
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "token_revoked"
    assert sohoa("users", "add", "x", "--role", "janitor").returncode == 2


def test_expired_tokens_and_sso_jwts(world, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ids, tokens, url = world
    token = tokens[("steward", OWN)]
    with session_scope(url) as s:
        for row in s.query(ApiToken):
            row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    expired = TestClient(app, headers=bearer(token)).get("/api/review-queue")
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"

    monkeypatch.setenv("SOHOA_JWT_SECRET", SSO_SECRET)
    claims = {"sub": "sso-officer", "role": "officer", "agency": OWN, "exp": int(time.time()) + 300}
    good = jwt.encode(claims, SSO_SECRET, algorithm="HS256")
    client = TestClient(app)
    found = client.get("/api/search", params={"q": "hôn nhân", "case": CASE}, headers=bearer(good))
    assert found.status_code == 200
    forged = jwt.encode(claims, SSO_SECRET[::-1], algorithm="HS256")
    assert client.get("/api/procedures", headers=bearer(forged)).status_code == 401
    stale = jwt.encode(claims | {"exp": int(time.time()) - 10}, SSO_SECRET, algorithm="HS256")
    assert client.get("/api/procedures", headers=bearer(stale)).status_code == 401


def test_pages_sessions_csrf_headers_limits(world) -> None:
    app, _ids, tokens, _ = world
    client = TestClient(app)
    page = client.get("/upload", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    staff = tokens[("records_staff", OWN)]
    signed_in = sign_in(client, staff, "/upload")
    assert signed_in.status_code == 303 and "httponly" in signed_in.headers["set-cookie"].lower()
    form = client.get("/upload")
    assert form.status_code == 200 and "csrf-token" in form.text
    csrf = form.text.split('name="csrf-token" content="')[1].split('"')[0]
    assert client.post("/api/uploads").json()["error"]["code"] == "csrf_failed"  # cookie alone is not enough
    assert client.post("/api/uploads", headers={"X-CSRF-Token": csrf}).status_code == 201
    for header in ("x-content-type-options", "x-frame-options", "content-security-policy", "referrer-policy"):
        assert header in form.headers, header
    assert "script-src 'self'" in form.headers["content-security-policy"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {staff}"}
    huge = client.post("/api/reuse-check", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=headers)
    assert huge.status_code == 413
    other = TestClient(app)
    for _ in range(5):
        assert sign_in(other, "wrong").status_code == 303
    limited = sign_in(other, staff)
    # The sign-in page is read by a person: the refusal is a page saying so, in Vietnamese.
    assert limited.status_code == 429 and _refusal_code(limited) == "too_many_attempts"
    assert "Đăng nhập sai quá nhiều lần" in limited.text


def test_identifiers_stay_out_of_access_logs_urls_and_keys(world, caplog: pytest.LogCaptureFixture) -> None:
    """An officer's whole flow over real HTTP with the server's access log on: the identifier travels
    in request bodies only, so no log line or URL carries it (object keys: test_digitize_dag)."""
    import logging
    import threading

    import httpx
    import uvicorn

    from tests.helpers import free_port, wait_for

    app, ids, tokens, _ = world
    caplog.set_level(logging.INFO)
    # Earlier tests may have configured logging (an in-process uvicorn does not propagate its access
    # log; Airflow's dictConfig disables loggers it did not name): listen on the access logger itself.
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.disabled = False
    access_logger.setLevel(logging.INFO)
    access_logger.addHandler(caplog.handler)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=True)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, 15)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=bearer(tokens[("officer", OWN)])) as c:
            owner = c.post(
                "/api/owners/lookup", json={"owner_kind": "citizen", "owner_id": PID, "case": CASE}
            )
            key = owner.json()["owner"]
            c.get(f"/api/owners/{key}/documents", params={"case": CASE}).raise_for_status()
            check = {"owner_kind": "citizen", "owner_id": PID, "procedure": "HT.KETHON", "case": CASE}
            c.post("/api/reuse-check", json=check).raise_for_status()
            c.get("/api/search", params={"q": "hôn nhân", "case": CASE}).raise_for_status()
            c.get(f"/api/documents/{ids['marital']}/file", params={"case": CASE, "rendition": "text"})
            c.post(
                "/api/owners/lookup", json={"owner_kind": "citizen", "owner_id": "001190099999", "case": CASE}
            )
    finally:
        server.should_exit = True
        thread.join(10)
        access_logger.removeHandler(caplog.handler)
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) >= 6  # the log really was on
    assert not [line for line in caplog.text.splitlines() if PID in line or "001190099999" in line]
