"""The steward report in Debian's headless Chromium: every chart draws, nothing fails to load."""

from __future__ import annotations

from quality.checks import check_catalog
from repository.api import create_app
from repository.catalog.db import migrate
from tests.helpers import SCREENSHOTS, seed_quality_catalog, token_for


def test_report_renders_in_chromium(tmp_path, home, local_store, browser, live_server) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(url)
    seed_quality_catalog(url, local_store)
    check_catalog(store=local_store, database_url=url, raise_on_critical=False)
    base = live_server(create_app(url, local_store))
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/login")  # stewards sign in once; the session cookie carries them to the report
    page.fill("input[name=token]", token_for("steward", "SO.TP", url))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")  # signed in: let the home page finish before leaving it
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    failed_requests: list[str] = []
    page.on("requestfailed", lambda r: failed_requests.append(r.url))
    response = page.goto(f"{base}/reports/steward/latest.html", wait_until="load")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Báo cáo chất lượng dữ liệu số hóa"
    assert page.locator("section svg").count() >= 6  # every chart drew
    assert page.get_by_text("Chủ sở hữu không khớp").count() >= 1
    width = page.evaluate("document.querySelector('section svg').getBoundingClientRect().width")
    assert width > 300
    assert problems == [] and failed_requests == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "steward-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    page.close()
