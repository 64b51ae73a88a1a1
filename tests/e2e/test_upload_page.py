"""Records staff's morning batch in Debian's headless Chromium, end to end through the real DAG: three
cases in one upload (filled from a manifest), a mistyped identifier caught before any byte is sent,
one broken file turned away with its reason, then fixed with a replacement scan and sent again."""

from __future__ import annotations

import shutil
from pathlib import Path

from repository.api import create_app
from repository.catalog.db import migrate
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
}  # fmt: skip


def test_a_morning_batch_of_three_cases_with_one_bad_file(
    home: Path, sample_batch: Path, tmp_path: Path, browser, live_server
) -> None:
    migrate()
    base = live_server(create_app())
    token = token_for("records_staff", "UBND.NL")
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
    assert rows.count() == 4

    # A mistyped identifier (one digit short) is caught before any byte is sent.
    identifier = rows.nth(1).locator("td").nth(3).locator("input")
    identifier.fill(HUONG.personal_id[:11])
    page.click("#submit")
    page.locator("#message", has_text="chưa gửi tệp nào").wait_for()
    assert rows.nth(1).get_attribute("data-status") == "invalid"
    assert page.locator("#history tbody tr").count() == 0  # no upload was opened
    identifier.fill(HUONG.personal_id)
    page.locator("#submit").evaluate("b => b.disabled = false")
    page.click("#submit")
    page.locator("#message", has_text="Đã xử lý xong").wait_for(timeout=300_000)

    names = [rows.nth(i).locator("td").nth(0).inner_text().split("\n")[0] for i in range(4)]
    statuses = {name: rows.nth(i).get_attribute("data-status") for i, name in enumerate(names)}
    assert statuses["quyết định hỏng.pdf"] == "rejected", statuses
    assert all(statuses[n] in ("digitized", "needs_review") for n in FILES if n != "quyết định hỏng.pdf"), (
        statuses
    )
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
    assert problems == []
    page.screenshot(path=str(SCREENSHOTS / "upload-2-fixed.png"), full_page=True)
