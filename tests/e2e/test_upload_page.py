"""Records staff's upload page in Debian's headless Chromium, end to end through the real DAG."""

from __future__ import annotations

import shutil
from pathlib import Path

from repository.api import create_app
from repository.catalog.db import migrate
from repository.intake.samples import MINH
from tests.helpers import SCREENSHOTS, token_for


def test_upload_page_in_chromium(
    home: Path, sample_batch: Path, tmp_path: Path, browser, live_server
) -> None:
    """Records staff's flow in a real browser: fill the case, drop a batch with one broken file, watch
    each file reach its fate. The run goes through the server's background runner and the real DAG."""
    migrate()
    base = live_server(create_app())
    token = token_for("records_staff", "UBND.NL")
    batch = tmp_path / "to-upload"
    batch.mkdir()
    shutil.copy(sample_batch / "hs02_giay_khai_sinh.png", batch / "giấy khai sinh.png")
    (batch / "hong.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/upload")  # not signed in yet: the login page, then back to the upload page
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/upload")
    page.fill("#case_code", "UBNL-261123-00777")
    page.select_option("#procedure_code", "HT.TRICHLUC")
    page.fill("#agency_code", "UBND.NL")
    page.fill("#owner_id", MINH.personal_id)
    page.fill("#owner_name", MINH.name)
    page.set_input_files("#files", [str(batch / "giấy khai sinh.png"), str(batch / "hong.pdf")])
    page.select_option("#list tbody tr:nth-child(1) select", "birth_certificate")
    page.click("#submit")
    page.locator("#message", has_text="xong").wait_for(timeout=240_000)  # (our CSP forbids eval)
    rows = page.locator("#list tbody tr")
    assert rows.count() == 2
    statuses = {rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i).get_attribute("data-status")
                for i in range(2)}  # fmt: skip
    assert statuses["giấy khai sinh.png"] in ("digitized", "needs_review"), statuses
    assert statuses["hong.pdf"] == "rejected"
    assert "hỏng" in rows.nth(1).locator("td").nth(4).inner_text()
    assert rows.nth(0).locator("td").nth(3).inner_text() == "1"  # pages found
    assert problems == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "upload-page.png"), full_page=True)
    page.close()
