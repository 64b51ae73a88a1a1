"""The officer's counter in Debian's headless Chromium, on the digitized sample batch: a citizen applies
for a marriage registration; the officer opens the case, sees what she need not bring, looks at a
document, attaches what is reusable, detaches and re-attaches one, searches her repository - with the
keyboard where a clerk would, at 1366x768, with nothing loaded from outside the server."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from quality.indicators import indicators, month_bounds
from repository.catalog.db import session_scope
from repository.catalog.models import AuditEvent, CaseDocument, CaseFile
from repository.intake.samples import HUONG
from repository.security import audit
from tests.helpers import SCREENSHOTS, images_loaded, token_for

NEW_CASE = "UBTX-261201-00042"


def test_one_application_at_the_counter(digitized_sample, browser) -> None:
    base, url = digitized_sample
    token = token_for("officer", "UBND.TX", url, name="can.bo.thu.ly")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    outside: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    questions: list[str] = []
    page.on("dialog", lambda d: (questions.append(d.message), d.accept()))  # "Gỡ" asks first
    shots = SCREENSHOTS / "officer"
    shots.mkdir(parents=True, exist_ok=True)

    this_month = month_bounds(date.today().strftime("%Y-%m"))
    before = indicators(*this_month, database_url=url)["overall"]["documents_not_brought"]
    page.goto(f"{base}/officer")  # not signed in: sign in, then back to the counter
    page.fill("input[name=token]", token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/officer")

    # 1. Open the case: typed, with the identifier checked as typed and masked once entered.
    page.wait_for_selector("#case_code:focus")  # autofocus lands after "load"
    page.keyboard.type(NEW_CASE)
    page.keyboard.press("Tab")
    page.keyboard.type("HT.KETHON — Đăng ký kết hôn")
    page.keyboard.press("Tab")
    page.keyboard.type(HUONG.personal_id[:11])
    assert "12 chữ số" in page.locator("#owner_id_hint").inner_text()  # one digit short, said at once
    page.keyboard.type(HUONG.personal_id[11:])
    assert "định danh" in page.locator("#owner_id_hint").inner_text()
    page.keyboard.press("Tab")
    assert page.locator("#owner_id").get_attribute("type") == "password"  # masked once entered
    page.screenshot(path=str(shots / "1-open-case.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/officer/cases/{NEW_CASE}")
    assert HUONG.personal_id not in page.url and HUONG.personal_id not in page.content()

    # 2. The reuse answer: the identity card and the marital status certificate are on file.
    rows = page.locator("#reuse tr[data-type]")
    assert rows.count() == 2
    need_not_bring = int(page.locator("#need-not-bring").inner_text())
    reusable = page.locator("#reuse tr.ok")
    assert need_not_bring == reusable.count() >= 1
    for i in range(rows.count()):  # each row is a document or a reason with what to bring instead
        text = rows.nth(i).inner_text()
        assert ("Có thể dùng lại" in text) or ("người nộp mang" in text.lower()), text
    page.screenshot(path=str(shots / "2-reuse-answer.png"), full_page=True)

    # 3. Preview: thumbnails, the page, its text; images rendered on the server, through the check.
    reusable.first.get_by_role("link", name="Xem").click()
    page.wait_for_selector("#page-image")
    assert images_loaded(page, "#page-image", 500)
    thumbs = page.locator(".thumbs img")
    assert thumbs.count() >= 1
    assert images_loaded(page, ".thumbs img", 50)
    page.locator("details summary").click()
    assert len(page.locator("pre.text").inner_text().strip()) > 20
    page.screenshot(path=str(shots / "3-preview.png"))
    page.go_back()

    # 4. Attach every reusable document in one click; the case shows who and when.
    page.locator("#attach-all").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/officer/cases/{NEW_CASE}#attached")
    attached = page.locator("#attached tr").filter(has_text="can.bo.thu.ly")
    assert attached.count() == need_not_bring
    # Detach one and attach it again: both on record.
    page.locator("#attached").get_by_role("button", name="Gỡ").first.click()
    page.wait_for_load_state()
    assert page.locator("#attached tr").filter(has_text="can.bo.thu.ly").count() == need_not_bring - 1
    assert questions and questions[-1].startswith("Gỡ ")
    page.locator("#reuse").get_by_role("button", name="Đính kèm").first.click()
    page.wait_for_load_state()
    assert page.locator("#attached tr").filter(has_text="can.bo.thu.ly").count() == need_not_bring

    # 5. Search the applicant's repository, accents optional.
    page.fill("#q", "xac nhan tinh trang hon nhan")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hits li")
    assert page.locator("#hits mark").count() >= 1
    page.screenshot(path=str(shots / "4-case-attached-search.png"), full_page=True)
    assert outside == [] and problems == [], (outside, problems)
    context.close()

    # Every view of the documents is on the audit log, with the case as purpose; the chain holds.
    with session_scope(url) as s:
        case = s.scalar(select(CaseFile).where(CaseFile.case_code == NEW_CASE))
        assert case.agency_code == "UBND.TX"
        links = s.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)).all()
        assert len(links) == need_not_bring and all(link.attached_by == "can.bo.thu.ly" for link in links)
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.case_code == NEW_CASE))]
    # The city's indicator counts the papers she did not bring.
    after = indicators(*this_month, database_url=url)["overall"]["documents_not_brought"]
    assert after == before + need_not_bring
    for action in ("open_case", "reuse_check", "preview", "view_page", "attach", "detach", "search"):
        assert action in actions, (action, actions)
    assert audit.verify(url).ok
