"""Each role tried as a new user would, at 1366x768 in Debian's headless Chromium, on the digitized
sample: the dead ends found before (issue: screens a ward office uses without help) are each walked
through to the task's end. Runs after the other browser tests (it rejects and moves documents).
Screenshots under var/screenshots/without-help/."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select, update

from quality import kpi_report
from repository.catalog.db import session_scope
from repository.catalog.models import AuditEvent, CaseFile, Document, DocumentStatus, Owner, ReviewAction
from repository.intake.samples import HUONG, MINH
from repository.security import auth
from repository.web import formatting
from tests.helpers import SCREENSHOTS, token_for

SHOTS = SCREENSHOTS / "without-help"
# Structurally valid (province 001, born 1990) and on nobody's file: one digit off Hương's.
TYPO = HUONG.personal_id[:-1] + ("6" if HUONG.personal_id[-1] != "6" else "7")


def _signed_in(browser, base: str, token: str, target: str):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",  # a refusal's own status (403, 422) is the browser's "failed to load", not a fault
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: d.accept())  # what undoes something asks first; the user says yes
    page.goto(base + target)
    page.fill("input[name=token]", token)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(base + target.split("?")[0])))
    return context, page, problems


def _no_json(page) -> None:
    body = page.content()
    assert '{"error"' not in body and "case_owner_mismatch" not in body, body[:500]


def test_counter_confirms_a_new_applicant_and_corrects_a_mistyped_one(digitized_sample, browser) -> None:
    """Items 2, 6, 9: a typo makes no phantom applicant; a case opened by mistake is corrected or
    cancelled, on record; typed values survive an error; procedures found by name without accents;
    the preview shows the type's own fields, the result code, print, attach, a named download."""
    base, url = digitized_sample
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = _signed_in(
        browser, base, token_for("officer", "UBND.TX", url, name="can.bo.moi"), "/officer"
    )

    # A procedure that does not exist: the error keeps everything typed.
    page.fill("#case_code", "UBTX-261206-00901")
    page.fill("#procedure", "khong co thu tuc nay")
    page.fill("#owner_id", TYPO)
    page.fill("#owner_name", "Nguyễn Thị Hương")
    page.locator("#open-submit").click()
    page.locator("#open-error", has_text="Không tìm thấy thủ tục").wait_for()
    assert page.input_value("#case_code") == "UBTX-261206-00901"
    assert page.input_value("#owner_name") == "Nguyễn Thị Hương"

    # By name, no accents: "ket hon". The identifier has nothing on file: asked before anyone is created.
    page.fill("#procedure", "ket hon")
    page.fill("#owner_id", TYPO)
    page.locator("#open-submit").click()
    page.locator("#open-error", has_text="chưa có dữ liệu").wait_for()
    assert page.input_value("#procedure").startswith("HT.KETHON")
    with session_scope(url) as s:
        assert s.scalar(select(Owner).where(Owner.identifier == TYPO)) is None  # no phantom yet
    page.screenshot(path=str(SHOTS / "counter-1-confirm-new-applicant.png"), full_page=True)
    page.check("#confirm")
    page.locator("#open-submit").click()
    page.wait_for_url(f"{base}/officer/cases/UBTX-261206-00901")
    assert page.locator("#need-not-bring").inner_text() == "0"

    # The right identifier for that case code at the start page: a way to the case, not raw JSON.
    page.goto(f"{base}/officer")
    page.fill("#case_code", "UBTX-261206-00901")
    page.fill("#procedure", "HT.KETHON")
    page.fill("#owner_id", HUONG.personal_id)
    page.locator("#open-submit").click()
    page.locator("#open-error", has_text="đã được mở cho một người nộp khác").wait_for()
    _no_json(page)
    page.locator("#open-other").click()

    # Correct the applicant on the case page (recorded, with the reason): now Hương's, 2 on file.
    page.locator("#fix summary").first.click()
    page.fill("#new_owner_id", HUONG.personal_id)
    page.fill("#change-reason", "gõ nhầm chữ số cuối")
    page.check("#change-applicant input[name=checked]")
    page.locator("#change-submit").click()
    page.locator("#changed").wait_for()
    assert HUONG.name in page.locator("main").inner_text()
    assert int(page.locator("#need-not-bring").inner_text()) >= 1
    page.screenshot(path=str(SHOTS / "counter-2-applicant-corrected.png"), full_page=True)
    with session_scope(url) as s:
        assert s.scalar(select(Owner).where(Owner.identifier == TYPO)) is None  # the phantom is gone
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.case_code == "UBTX-261206-00901")
        ).all()
    assert "new_applicant" in actions and "change_applicant" in actions

    # The preview: the card's own fields (not "—" for number, issuer, date, signer), masked.
    card = page.locator("#reuse tr[data-type=cccd]")
    card.get_by_role("link", name="Xem").click()
    page.wait_for_selector("#record")
    record = page.locator("#record").inner_text()
    assert "Họ và tên" in record and HUONG.name in record and "Số định danh" in record
    assert HUONG.personal_id not in record  # masked in the record, the result code's too
    assert "Mã kết quả số hóa" in record and "***" in record
    assert page.locator("#print").is_visible() and page.locator("#attach").is_visible()
    with page.expect_download() as download:
        page.locator("#searchable").click()
    name = download.value.suggested_filename
    assert name.endswith(".pdf") and "can-cuoc" in name and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", name), (
        name
    )
    page.screenshot(path=str(SHOTS / "counter-3-preview-own-fields.png"))
    page.locator("#attach").click()
    page.wait_for_url(re.compile(r".*/officer/cases/UBTX-261206-00901"))
    assert page.locator("#attached").filter(has_text="Căn cước").count() == 1

    # A case opened by mistake is cancelled, on record; it leaves the recent list and the indicators.
    page.goto(f"{base}/officer")
    page.fill("#case_code", "UBTX-261206-00902")
    page.fill("#procedure", "KETHON")
    page.fill("#owner_id", MINH.personal_id)
    page.locator("#open-submit").click()
    page.wait_for_url(f"{base}/officer/cases/UBTX-261206-00902")
    page.locator("#fix summary").nth(1).click()
    page.fill("#cancel-reason", "mở nhầm mã hồ sơ")
    page.locator("#cancel-submit").click()
    page.locator("#cancelled").wait_for()
    assert "mở nhầm mã hồ sơ" in page.locator("#cancelled").inner_text()
    page.screenshot(path=str(SHOTS / "counter-4-cancelled.png"))
    page.goto(f"{base}/officer")
    assert "UBTX-261206-00902" not in page.locator("main").inner_text()
    # Item 8: Vietnam's time, dd/mm/yyyy HH:MM, the same on every page (the catalog keeps UTC).
    with session_scope(url) as s:
        opened = s.scalar(select(CaseFile.created_at).where(CaseFile.case_code == "UBTX-261206-00901"))
    shown = page.locator("main tr", has_text="UBTX-261206-00901").inner_text()
    assert formatting.when(opened) in shown and re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", shown), shown
    with session_scope(url) as s:
        case = s.scalar(select(CaseFile).where(CaseFile.case_code == "UBTX-261206-00902"))
        assert case.cancelled_by == "can.bo.moi" and case.cancel_reason == "mở nhầm mã hồ sơ"
    assert problems == [], problems
    context.close()


def test_refusals_are_pages_with_a_way_back(digitized_sample, browser) -> None:
    """Item 3: another agency's case, an unknown case, a month that does not exist, another role's
    page, an old address: each a page in the layout saying what to do next, never JSON."""
    base, url = digitized_sample
    context, page, _ = _signed_in(browser, base, token_for("officer", "UBND.TX", url), "/officer")
    for path, status, words in (
        ("/officer/cases/UBNL-261015-00102", 403, "không do cơ quan của bạn"),
        ("/officer/cases/KHONG-CO-00000", 403, "Quầy một cửa"),
        ("/review", 403, "vai trò khác"),
        ("/kpi", 403, "vai trò khác"),
        ("/khong-co-trang-nay", 404, "thanh điều hướng"),
    ):
        response = page.goto(base + path)
        assert response.status == status, path
        assert "text/html" in response.headers["content-type"], path
        assert words in page.locator("main").inner_text(), (path, page.locator("main").inner_text())
        assert page.locator("#refusal-home").is_visible() and page.locator("header nav").is_visible()
        _no_json(page)
    page.screenshot(path=str(SHOTS / "refusal-another-agency.png"))
    context.close()
    context, page, _ = _signed_in(browser, base, token_for("steward", None, url), "/kpi")
    response = page.goto(f"{base}/kpi?month=2026-13")
    assert response.status == 422 and "ô chọn tháng" in page.locator("#refusal-advice").inner_text()
    _no_json(page)
    page.screenshot(path=str(SHOTS / "refusal-bad-month.png"))
    context.close()


def test_desk_rejects_and_goes_on_with_the_buttons_in_reach(digitized_sample, browser) -> None:
    """Item 4: reject and next, no dead end; the desk's buttons visible at 1366x768 without scrolling."""
    base, url = digitized_sample
    with session_scope(url) as s:  # two of the company's documents wait for a steward
        ids = s.scalars(
            select(Document.id).join(Owner).where(Owner.kind == "organization").order_by(Document.created_at)
        ).all()[:2]
        s.execute(
            update(Document)
            .where(Document.id.in_(ids))
            .values(status=DocumentStatus.NEEDS_REVIEW, review_reasons=["type_uncertain"])
        )
    assert len(ids) == 2
    context, page, problems = _signed_in(browser, base, token_for("steward", None, url), "/review")
    page.goto(f"{base}/review/{ids[0]}")
    page.wait_for_selector("#desk-form")
    for button in ("#approve-next", "#save-next"):
        box = page.locator(button).bounding_box()
        assert box and box["y"] + box["height"] <= 768, (button, box)  # in reach, no scrolling
    page.screenshot(path=str(SHOTS / "desk-1-buttons-in-reach.png"))
    # Dates read as people write them; saving them unchanged is no correction.
    issued = page.input_value("#field_issue_date")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", issued), issued
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_selector("#desk-form")
    with session_scope(url) as s:
        actions = s.scalars(select(ReviewAction.action).where(ReviewAction.document_id == ids[0])).all()
    assert "correct" not in actions, actions
    assert "{" not in page.locator("#history").inner_text()  # the history in words, not JSON
    # With the keyboard: open "Từ chối…", no reason first (refused, kept open), then with a reason.
    page.locator("#reject summary").focus()
    page.keyboard.press("Enter")
    page.locator("#reject-next").click()
    page.locator("#desk-error", has_text="lý do").wait_for()
    assert page.locator("#reject-reason").is_visible()
    page.fill("#reject-reason", "Bản quét mờ, không đọc được")
    page.locator("#reject-next").click()
    page.wait_for_load_state()
    assert "/review" in page.url and ids[0] not in page.url  # on to the next, never a 403
    assert "Đã từ chối" in page.locator("main").inner_text()
    _no_json(page)
    page.screenshot(path=str(SHOTS / "desk-2-rejected-next.png"))
    with session_scope(url) as s:
        assert s.get(Document, ids[0]).status == DocumentStatus.REJECTED
    assert problems == [], problems
    context.close()


def test_indicators_download_any_month(digitized_sample, browser, tmp_path) -> None:
    """Item 5: the workbook and the monthly report of any month from /kpi: Vietnamese headers, period,
    targets, percent formats, values under target marked; charts drawn once per set of figures."""
    base, url = digitized_sample
    month = date.today().strftime("%Y-%m")
    context, page, problems = _signed_in(
        browser, base, token_for("steward", None, url), f"/kpi?month={month}"
    )
    assert f"tháng {int(month[5:])}/{month[:4]}" in page.locator("h1").inner_text()
    drawn = kpi_report._charts.cache_info()
    page.reload()
    assert kpi_report._charts.cache_info().hits > drawn.hits  # the same figures: not drawn again
    with page.expect_download() as download:
        page.locator("#kpi-xlsx").click()
    path = tmp_path / "kpi.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    summary = book["Tổng hợp"]
    cells = [[c.value for c in row] for row in summary.iter_rows()]
    flat = " ".join(str(v) for row in cells for v in row if v is not None)
    assert "Kỳ báo cáo" in flat and "Mục tiêu" in flat and "Tỷ lệ hồ sơ được số hóa" in flat
    assert "digitization_rate" not in flat
    rates = [row for row in summary.iter_rows() if row[0].value == "Tỷ lệ hồ sơ được số hóa"][0]
    assert rates[1].number_format == "0.0%" and rates[2].number_format == "0.0%"
    agencies = book["Cơ quan"]
    headers = [c.value for c in agencies[1]]
    assert "Tỷ lệ tái sử dụng dữ liệu số hóa" in headers and "Dưới mục tiêu" in headers
    page.locator("#kpi-report").click()
    page.wait_for_load_state()
    assert f"tháng {int(month[5:])}/{month[:4]}" in page.locator("header").inner_text()
    page.go_back()
    page.screenshot(path=str(SHOTS / "kpi.png"), full_page=True)
    assert problems == [], problems
    context.close()


def test_admin_users_audit_and_a_citizens_access_history(digitized_sample, browser, tmp_path) -> None:
    """Item 11: users and tokens (add, role, revoke), the audit chain's check and a checkpoint, and a
    citizen's access history - who read which document, when, for which case - exported."""
    base, url = digitized_sample
    context, page, problems = _signed_in(browser, base, token_for("admin", None, url), "/admin/users")
    page.fill("#new-name", "van.thu.moi")
    page.select_option("#new-role", "records_staff")
    page.fill("#new-agency", "UBND.TX")
    page.locator("#add-submit").click()
    page.locator("#issued").wait_for()
    token = page.input_value("#issued-token")
    assert token.startswith("sohoa_")
    page.screenshot(path=str(SHOTS / "admin-1-user-added.png"), full_page=True)
    assert auth.authenticate(token, url).role == "records_staff"
    row = page.locator("#users tr[data-user='van.thu.moi']")
    row.locator("select[name=role]").select_option("officer")
    row.get_by_role("button", name="Lưu").click()
    page.locator("#users-done", has_text="Đã đổi vai trò").wait_for()
    assert (
        auth.list_users(url)[[u["name"] for u in auth.list_users(url)].index("van.thu.moi")]["role"]
        == "officer"
    )
    page.fill("#new-name", "van.thu.moi")
    page.select_option("#new-role", "officer")
    page.fill("#new-agency", "UBND.TX")
    page.locator("#add-submit").click()
    page.locator("#issued").wait_for()
    page.locator("#users tr[data-user='van.thu.moi']").get_by_role("button", name="Thu hồi mã").click()
    page.locator("#users-done", has_text="Đã thu hồi").wait_for()
    assert page.locator("#users tr[data-user='van.thu.moi']").filter(has_text="không còn mã").count() == 1

    page.goto(f"{base}/admin/audit")
    page.locator("#audit-ok").wait_for()
    page.locator("#checkpoint").click()
    page.wait_for_url(re.compile(r".*/admin/audit\?done=1"))
    assert page.locator("#anchors tr").count() >= 2
    page.screenshot(path=str(SHOTS / "admin-2-audit.png"), full_page=True)

    # Hương asks who read her documents: the counter's views are there, by whom, for which case.
    page.goto(f"{base}/admin/access")
    page.fill("#access-owner", HUONG.personal_id)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/access/[0-9a-f-]{36}$"))
    assert HUONG.personal_id not in page.url
    history = page.locator("#history").inner_text()
    assert "Xem giấy tờ" in history and "UBTX-261206-00901" in history  # the counter test above
    assert "Căn cước công dân" in history or "Giấy xác nhận" in history
    page.screenshot(path=str(SHOTS / "admin-3-access-history.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#export").click()
    path = tmp_path / "history.csv"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "Thời điểm (giờ Việt Nam)" and len(rows) > 3
    assert HUONG.personal_id not in text
    assert problems == [], problems
    context.close()


def test_every_role_has_a_guide(digitized_sample, browser) -> None:
    """The "Hướng dẫn" page of each role: its own daily task first."""
    base, url = digitized_sample
    for role, heading in (
        ("records_staff", "tải hồ sơ lên"),
        ("officer", "dùng lại giấy tờ"),
        ("steward", "hàng đợi kiểm tra"),
        ("admin", "Quản trị"),
    ):
        context, page, problems = _signed_in(browser, base, token_for(role, "UBND.TX", url), "/")
        page.get_by_role("link", name="Hướng dẫn").first.click()
        page.wait_for_url(f"{base}/huong-dan")
        assert heading in page.locator("main section.card").first.locator("h2").inner_text()
        page.screenshot(path=str(SHOTS / f"guide-{role}.png"))
        assert problems == []
        context.close()
