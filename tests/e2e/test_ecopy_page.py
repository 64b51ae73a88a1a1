"""The e-copy across agencies, in Debian's headless Chromium at 1366x768: an officer of UBND.TX opens
a citizen's case, previews a document already on file and downloads its signed e-copy; an officer of
another agency (UBND.NL), handed the file, verifies it on /verify - and a changed copy is refused."""

from __future__ import annotations

from pathlib import Path

from repository.intake.samples import HUONG
from tests.helpers import SCREENSHOTS, token_for

CASE = "UBTX-261206-00077"


def _sign_in(page, base: str, token: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.fill("input[name=token]", token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{target}")


def test_an_ecopy_downloaded_at_one_agency_is_verified_at_another(digitized_sample, browser, tmp_path: Path):
    base, url = digitized_sample
    shots = SCREENSHOTS / "ecopy"
    shots.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []

    issuing = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="vi-VN", accept_downloads=True
    )
    page = issuing.new_page()
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))
    _sign_in(page, base, token_for("officer", "UBND.TX", url, name="can.bo.sao"), "/officer")
    # Autofocus lands after "load": type once the cursor is in the field, as a clerk would.
    page.wait_for_selector("#case_code:focus")
    page.keyboard.type(CASE)
    page.keyboard.press("Tab")
    page.keyboard.type("HT.KETHON — Đăng ký kết hôn")
    page.keyboard.press("Tab")
    page.keyboard.type(HUONG.personal_id)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/officer/cases/{CASE}")
    page.locator("#reuse tr.ok").first.get_by_role("link", name="Xem").click()
    page.wait_for_selector("#ecopy")
    page.screenshot(path=str(shots / "1-preview-with-ecopy.png"))
    with page.expect_download() as downloading:
        page.locator("#ecopy").click()
    download = downloading.value
    assert download.suggested_filename.startswith("ban-sao-dien-tu-") and HUONG.personal_id not in (
        download.suggested_filename
    )
    copy = tmp_path / download.suggested_filename
    download.save_as(copy)
    assert copy.read_bytes().startswith(b"%PDF")
    issuing.close()

    receiving = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    other = receiving.new_page()
    other.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))
    _sign_in(other, base, token_for("officer", "UBND.NL", url, name="can.bo.nhan"), "/officer")
    other.goto(f"{base}/verify")
    other.set_input_files("input[name=file]", str(copy))
    other.get_by_role("button", name="Xác minh").click()
    other.wait_for_selector("#verdict")
    verdict = other.locator("#verdict").inner_text()
    other.screenshot(path=str(shots / "2-verified.png"), full_page=True)
    assert verdict.startswith("Hợp lệ"), verdict
    assert "Đúng là bản sao hệ thống đã cấp" in verdict and "còn hiệu lực" in verdict
    assert HUONG.personal_id not in other.content()

    changed = tmp_path / "da-sua.pdf"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.write_bytes(bytes(data))
    other.set_input_files("input[name=file]", str(changed))
    other.get_by_role("button", name="Xác minh").click()
    other.wait_for_selector("#verdict")
    assert other.locator("#verdict").inner_text().startswith("Không hợp lệ")
    other.screenshot(path=str(shots / "3-refused.png"), full_page=True)
    receiving.close()
    assert outside == [], outside
