"""The review desk in Debian's headless Chromium on the digitized sample: a steward finds the land-use
certificate waiting for approval, looks at a field on its page, corrects it, meets the safeguard,
approves with a note, and the officer's reuse answer then offers the certificate."""

from __future__ import annotations

import re

from sqlalchemy import select

from repository.catalog.db import session_scope
from repository.catalog.models import Document, ReviewAction
from repository.intake.samples import MINH
from tests.helpers import SCREENSHOTS, images_loaded, token_for


def _signed_in(browser, base: str, token: str, target: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.goto(base + target)
    page.fill("input[name=token]", token)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(base + target)))
    return context, page


def test_a_steward_clears_the_certificate_and_the_counter_offers_it(digitized_sample, browser) -> None:
    base, url = digitized_sample
    shots = SCREENSHOTS / "review"
    shots.mkdir(parents=True, exist_ok=True)
    context, page = _signed_in(
        browser, base, token_for("steward", "SO.TNMT", url, name="lan.steward"), "/review"
    )
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))

    # The queue: oldest first, counted per reason, filtered by type.
    assert page.locator(".chips a").count() >= 2
    page.select_option("select[name=type]", "land_use_certificate")
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("#queue tr").filter(has=page.locator("a"))
    assert rows.count() == 1 and "Loại giấy tờ cần duyệt" in rows.first.inner_text()
    page.screenshot(path=str(shots / "1-queue.png"))
    rows.first.get_by_role("link").click()
    page.wait_for_selector("#desk-form")

    # The desk: the page beside the fields; a field found on the page.
    assert images_loaded(page, ".stage img", 500)
    page.locator("button.locate").first.click()
    page.wait_for_selector(".mark-box")
    page.screenshot(path=str(shots / "2-desk-highlight.png"))

    # Fill in the issuer the pipeline missed, as read on the page, and approve: the safeguard asks
    # for a confirmation and a note when something is still doubtful; otherwise it approves at once.
    document_id = page.locator("#pages").get_attribute("data-document")
    page.fill("#field_issuer", "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH")
    page.locator("#approve-next").click()
    page.wait_for_load_state()
    if page.locator("#desk-error").count():
        assert "xác nhận" in page.locator("#desk-error").inner_text()
        page.check("#confirm")
        page.fill("textarea[name=note]", "Đã đối chiếu với bản gốc")
        page.locator("#approve-next").click()
        page.wait_for_load_state()
    assert "/review" in page.url
    page.screenshot(path=str(shots / "3-after-approve.png"))
    assert problems == [] and outside == [], (problems, outside)
    context.close()

    with session_scope(url) as s:
        doc = s.get(Document, document_id)
        assert doc.status == "approved" and doc.issuer == "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH"
        actions = s.scalars(select(ReviewAction.action).where(ReviewAction.document_id == document_id)).all()
    assert actions[:1] == ["correct"] and actions[-1] == "approve"

    # The officer's reuse answer now offers the approved certificate for a construction permit.
    context, page = _signed_in(browser, base, token_for("officer", "UBND.NL", url), "/officer")
    page.fill("#case_code", "UBNL-261201-00900")
    page.fill("#procedure", "XD.GPXD — Cấp giấy phép xây dựng")
    page.fill("#owner_id", MINH.personal_id)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/officer/cases/UBNL-261201-00900")
    land = page.locator("#reuse tr[data-type=land_use_certificate]")
    assert "Có thể dùng lại" in land.inner_text()
    page.screenshot(path=str(shots / "4-counter-offers-it.png"), full_page=True)
    context.close()
