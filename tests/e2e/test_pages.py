"""Every page, for each role that may see it, in Debian's headless Chromium: it renders, nothing is
requested from outside the server, nothing goes wrong in the console, and the layout only links to
what the role may open. Screenshots under var/screenshots/pages/."""

from __future__ import annotations

import pytest

from quality.checks import check_catalog
from repository.api import create_app
from repository.catalog.db import migrate
from tests.helpers import SCREENSHOTS, seed_quality_catalog, serve_app, token_for

PAGES = {  # role -> the pages it works with (the home page and the API explorer are everyone's)
    "records_staff": ["/upload"],
    "officer": ["/officer"],
    "steward": [
        "/review",
        "/reports/",
        "/kpi",
        "/reports/steward/latest.html",
        "/reports/data-docs/index.html",
    ],
    "admin": [
        "/admin/users",
        "/admin/audit",
        "/admin/access",
        "/reports/",
        "/kpi",
        "/reports/data-docs/index.html",
    ],
}
COMMON = ["/", "/huong-dan", "/docs"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    import os

    from repository.storage import LocalStore

    root = tmp_path_factory.mktemp("pages")
    os.environ["SOHOA_HOME"] = str(root / "home")
    url = f"sqlite:///{root / 'c.db'}"
    migrate(url)
    store = LocalStore(root / "objects")
    seed_quality_catalog(url, store)
    check_catalog(store=store, database_url=url, raise_on_critical=False)  # report + Data Docs
    base, stop = serve_app(create_app(url, store))
    yield base, url
    stop()


def _watch(page, base: str) -> tuple[list[str], list[str]]:
    outside: list[str] = []
    problems: list[str] = []
    page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None
    )
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return outside, problems


def _sign_in(browser, base: str, token: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=token]", token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    return context, page


@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_page_of_a_role_renders_offline(site, browser, role: str) -> None:
    base, url = site
    context, page = _sign_in(browser, base, token_for(role, "UBND.TX", url))
    outside, problems = _watch(page, base)
    shots = SCREENSHOTS / "pages"
    shots.mkdir(parents=True, exist_ok=True)
    for path in COMMON + PAGES[role]:
        response = page.goto(base + path, wait_until="networkidle")
        assert response.status == 200, (role, path)
        if path == "/docs":
            page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI started from our own files
        if path.startswith("/reports/data-docs"):
            # Styled by the vendored Bootstrap, not a bare page: the navbar has its Bootstrap height.
            assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "flex"
        name = path.strip("/").replace("/", "_").replace(".html", "") or "home"
        page.screenshot(path=str(shots / f"{role}-{name}.png"))
        assert outside == [], (role, path, outside)
        assert problems == [], (role, path, problems)
    # The layout: the role's own links, each of which opens; a sign-out button on every page of ours.
    page.goto(base + "/")
    links = page.locator("header nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert set(links) == {
        *COMMON,
        *[
            p
            for p in PAGES[role]
            if p.endswith("/") or p.startswith("/admin") or p in ("/upload", "/officer", "/review", "/kpi")
        ],
    }
    for href in links:
        assert page.request.get(base + href).status == 200, (role, href)
    page.get_by_role("button", name="Đăng xuất").focus()
    page.keyboard.press("Enter")  # keyboard alone
    page.wait_for_url(f"{base}/login")
    assert "/login" in page.goto(base + "/").url
    context.close()


def test_pages_refuse_roles_they_are_not_for(site, browser) -> None:
    base, url = site
    context, page = _sign_in(browser, base, token_for("officer", "UBND.TX", url))
    for path in (
        "/upload",
        "/reports/",
        "/reports/steward/latest.html",
        "/admin/users",
    ):  # an officer's neither
        assert page.goto(base + path).status == 403, path
        # A page in the layout saying what to do, with a way back - never the API's JSON.
        assert page.locator("#refusal-advice").is_visible() and page.locator("#refusal-home").is_visible(), (
            path
        )
        assert '{"error"' not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "pages" / "refused-role.png"))
    context.close()
    anonymous = browser.new_page()
    for path in COMMON + ["/upload", "/reports/"]:
        anonymous.goto(base + path)
        assert "/login" in anonymous.url or anonymous.url.endswith("/reports/"), path
    anonymous.goto(base + "/login")
    outside, problems = _watch(anonymous, base)
    anonymous.reload(wait_until="networkidle")
    anonymous.screenshot(path=str(SCREENSHOTS / "pages" / "login.png"))
    assert outside == [] and problems == []
    anonymous.close()
