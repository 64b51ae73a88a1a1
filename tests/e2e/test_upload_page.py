"""Records staff's morning batch in Debian's headless Chromium, end to end through the real DAG: three
cases in one upload (filled from a manifest), a mistyped identifier caught before any byte is sent,
one broken file turned away with its reason, then fixed with a replacement scan and sent again."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from repository.api import create_app
from repository.catalog.db import migrate, session_scope
from repository.catalog.models import Document
from repository.intake.samples import COMPANY, HUONG, MINH
from tests.helpers import SCREENSHOTS, token_for, wait_for

FILES = {  # name in the upload -> (sample file, case, procedure, owner id, owner name, kind)
    "giấy khai sinh.png": ("hs02_giay_khai_sinh.png", "UBNL-261201-00101", "HT.TRICHLUC", MINH.personal_id,
                           MINH.name, "component"),
    "cccd chụp.jpg": ("hs01_cccd_chup_dien_thoai.jpg", "UBTX-261201-00102", "HT.KETHON", HUONG.personal_id,
                      HUONG.name, "component"),
    "dkdn.pdf": ("hs03_giay_chung_nhan_dkdn.pdf", "SOTC-261201-00103", "DN.THAYDOI", COMPANY[1],
                 "Công ty TNHH Thương mại Sen Vàng", "component"),
    "quyết định hỏng.pdf": (None, "SOTC-261201-00103", "DN.THAYDOI", COMPANY[1],
                            "Công ty TNHH Thương mại Sen Vàng", "result"),
    # A company's decision (it prints the enterprise code) filed by mistake under a citizen.
    "quyết định công ty.pdf": ("hs03_quyet_dinh_kem_phu_luc.pdf", "UBNL-261201-00101", "HT.TRICHLUC",
                               MINH.personal_id, MINH.name, "component"),
}  # fmt: skip


def test_a_morning_batch_of_three_cases_with_one_bad_file(
    home: Path, sample_batch: Path, tmp_path: Path, browser, live_server
) -> None:
    migrate()
    base = live_server(create_app())
    token = token_for("records_staff", "UBND.NL", name="van.thu.nl")
    batch = tmp_path / "to-upload"
    batch.mkdir()
    lines = ["file,case_code,procedure_code,owner_kind,owner_id,owner_name,kind"]
    for name, (sample, case, procedure, owner, owner_name, kind) in FILES.items():
        if sample:
            shutil.copy(sample_batch / sample, batch / name)
        else:
            (batch / name).write_bytes(b"%PDF-1.7\n1 0 obj\n<<")  # truncated: unreadable
        owner_kind = "citizen" if len(owner) == 12 else "organization"
        lines.append(f"{name},{case},{procedure},{owner_kind},{owner},{owner_name},{kind}")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/upload")  # not signed in yet: the login page, then back to the upload page
    page.fill("input[name=token]", token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/upload")
    assert page.input_value("#agency_code") == "UBND.NL"  # pre-filled from the user
    page.wait_for_selector('#procedure_code option[value="HT.KETHON"]', state="attached")
    page.set_input_files("#files", [str(batch / name) for name in FILES])
    page.set_input_files("#manifest", str(tmp_path / "manifest.csv"))
    page.locator("#message", has_text="Đã đọc manifest").wait_for()
    rows = page.locator("#list tbody tr")
    assert rows.count() == 5

    # Filled from the manifest, the rows are re-checked and submit comes on by itself.
    page.locator("#check", has_text="5 tệp hợp lệ").wait_for()
    assert page.locator("#submit").is_enabled()
    # A mistyped identifier (one digit short) is caught as it is typed, before any byte is sent.
    identifier = rows.nth(1).locator("td").nth(3).locator("input")
    identifier.fill(HUONG.personal_id[:11])
    page.locator("#check", has_text="Có dòng cần sửa").wait_for()
    assert rows.nth(1).get_attribute("data-status") == "invalid"
    assert "12 chữ số" in rows.nth(1).locator("td").nth(8).inner_text()
    assert page.locator("#submit").is_disabled()
    assert page.locator("#history tbody tr").filter(has_text="Xem từng tệp").count() == 0  # nothing sent
    page.screenshot(path=str(SCREENSHOTS / "upload-0-row-to-fix.png"), full_page=True)
    identifier.fill(HUONG.personal_id)  # fixed: checked again, submit comes back
    page.locator("#check", has_text="5 tệp hợp lệ").wait_for()
    page.click("#submit")
    page.locator("#message", has_text="Đã xử lý xong").wait_for(timeout=300_000)
    message = page.locator("#message").inner_text()
    assert "Có tệp cần sửa" in message and "1 bị từ chối" in message, message  # said by what happened

    names = [rows.nth(i).locator("td").nth(0).inner_text().split("\n")[0] for i in range(5)]
    statuses = {name: rows.nth(i).get_attribute("data-status") for i, name in enumerate(names)}
    assert statuses["quyết định hỏng.pdf"] == "rejected", statuses
    assert all(statuses[n] in ("digitized", "needs_review") for n in FILES if n != "quyết định hỏng.pdf"), (
        statuses
    )
    # The company's decision under a citizen waits for a steward, and says so.
    assert statuses["quyết định công ty.pdf"] == "needs_review", statuses
    assert "Chờ kiểm tra" in rows.filter(has_text="quyết định công ty.pdf").locator("td").nth(8).inner_text()
    bad = rows.filter(has_text="quyết định hỏng.pdf")
    assert "hỏng" in bad.locator("td").nth(8).inner_text()  # the reason, in Vietnamese
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "upload-1-one-bad-file.png"), full_page=True)

    # Fix it: a replacement scan for the broken file, sent again on its own.
    replacement = tmp_path / "quyết định.pdf"
    shutil.copy(sample_batch / "hs03_quyet_dinh_kem_phu_luc.pdf", replacement)
    bad.locator("input[type=file]").set_input_files(str(replacement))
    page.click("#resubmit")
    assert wait_for(lambda: bad.get_attribute("data-status") in ("digitized", "needs_review"), 300)
    # The history is reloaded once the run is done, just after the row's status changes.
    page.locator("#history tbody tr").nth(1).wait_for(timeout=30_000)
    assert page.locator("#history tbody tr").count() == 2
    history = page.locator("#history tbody tr")
    assert "Có tệp cần sửa" in history.nth(1).inner_text()  # the first upload, by what happened to it
    for code in ("success", "running", "received", "pending"):  # no code words
        assert code not in page.locator("#history").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "upload-2-fixed.png"), full_page=True)

    # After a reload the earlier upload opens again, file by file, the turned-away one fixable.
    page.reload()
    page.locator("#history tbody tr").nth(1).get_by_role("link", name="Xem từng tệp").click()
    page.locator("#opened", has_text="Có tệp cần sửa").wait_for()
    assert "upload=" in page.url
    assert rows.count() == 5
    broken = rows.filter(has_text="quyết định hỏng.pdf")
    assert broken.get_attribute("data-status") == "rejected"
    assert broken.locator("input[type=file]").count() == 1 and page.locator("#resubmit").is_visible()
    assert broken.locator("td").nth(1).locator("input").input_value() == "SOTC-261201-00103"
    page.reload()  # the address keeps the opened upload
    page.locator("#opened", has_text="Có tệp cần sửa").wait_for()
    assert problems == []
    page.screenshot(path=str(SCREENSHOTS / "upload-3-earlier-upload.png"), full_page=True)
    # The records say who digitized them: the clerk who uploaded the batch, not "sohoa-pipeline".
    with session_scope() as s:
        assert set(s.scalars(select(Document.digitized_by))) == {"van.thu.nl"}
