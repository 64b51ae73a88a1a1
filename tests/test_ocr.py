"""Page reading and OCR, through the real ``sohoa ocr`` command and tesseract (no fakes)."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ocr.engine import check_engine
from ocr.pages import BadInput, assess_text_layer, detect_format, open_source
from ocr.render import Line, born_digital_pdf, image_bytes, render_page

PAGE = [
    Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold"),
    Line("Độc lập - Tự do - Hạnh phúc", "center", "bold"),
    Line("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "center", "bold", 14, 18),
    Line("Họ, chữ đệm, tên: Nguyễn Thị Hương", space_before=12),
    Line("Ngày, tháng, năm sinh: 12/03/1990"),
    Line("Nơi cư trú: số 15 ngõ 72 phố Nguyễn Trãi, phường Thanh Xuân, thành phố Hà Nội"),
    Line("Tình trạng hôn nhân: chưa đăng ký kết hôn với ai. Giấy này có giá trị sử dụng trong thời hạn "
         "sáu tháng kể từ ngày cấp."),
]  # fmt: skip
REFERENCE = " ".join(" ".join(line.text.split()) for line in PAGE)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate on NFC text with whitespace folded (Levenshtein distance / length)."""
    ref = " ".join(unicodedata.normalize("NFC", reference).split())
    hyp = " ".join(unicodedata.normalize("NFC", hypothesis).split())
    previous = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, 1):
        current = [i]
        for j, hc in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (rc != hc)))
        previous = current
    return previous[-1] / max(len(ref), 1)


def sohoa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "repository", *args], capture_output=True, text=True)


def test_engine_present() -> None:
    assert check_engine().startswith(("4.", "5."))  # fails loudly when tesseract or 'vie' is missing


def test_ocr_clean_page_keeps_diacritics(tmp_path: Path) -> None:
    page = tmp_path / "trang sạch.png"
    render_page(PAGE, dpi=300).save(page, dpi=(300, 300))
    done = sohoa("ocr", str(page), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["file"] == str(page)
    [p] = result["pages"]
    assert p["number"] == 1 and p["method"] == "ocr" and 0 <= p["confidence"] <= 100
    assert p["confidence"] > 80
    assert unicodedata.is_normalized("NFC", p["text"])
    for word in ("CỘNG HÒA", "Hạnh phúc", "Nguyễn Thị Hương", "Thanh Xuân", "tình trạng hôn nhân".upper()):
        assert word in p["text"], word
    assert cer(REFERENCE, p["text"]) < 0.01


def test_born_digital_and_mixed_pdf_decided_page_by_page(tmp_path: Path) -> None:
    pdf = tmp_path / "mixed.pdf"
    pdf.write_bytes(born_digital_pdf([PAGE, render_page(PAGE, dpi=300)]))
    done = sohoa("ocr", str(pdf), "--json")
    assert done.returncode == 0, done.stderr
    pages = json.loads(done.stdout)["pages"]
    assert [p["method"] for p in pages] == ["text", "ocr"]
    assert pages[0]["confidence"] == 100
    assert cer(REFERENCE, pages[0]["text"]) < 0.005
    assert cer(REFERENCE, pages[1]["text"]) < 0.01


def test_ocr_cli_reports_bad_files_and_goes_on(tmp_path: Path) -> None:
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    good = tmp_path / "tot.png"
    render_page(PAGE[:3], dpi=300).save(good, dpi=(300, 300))
    done = sohoa("ocr", str(empty), str(good), "--json")
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0] == {"file": str(empty), "error": "Tệp rỗng (0 byte) / empty file"}
    assert lines[1]["pages"][0]["text"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.pdf", b"", "rỗng"),
        ("fake.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "phần mở rộng"),
        ("notes.txt", b"hello world, not a scan", "không được hỗ trợ"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<<", "hỏng"),
    ],
)
def test_bad_input_named(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(BadInput, match=reason):
        detect_format(path)
        open_source(path)


def test_garbage_text_layer_is_detected() -> None:
    assert assess_text_layer("Giấy khai sinh số 128/1985 của Trần Văn Minh") == (True, None)
    usable, why = assess_text_layer("(cid:12)(cid:40)(cid:41) (cid:7)(cid:9)(cid:88)(cid:3)(cid:2) ab")
    assert not usable and "garbage" in why
    assert assess_text_layer("   ") == (False, None)


def test_multipage_tiff_and_jpeg(tmp_path: Path) -> None:
    first, second = render_page(PAGE[:4]), render_page(PAGE[4:])
    tiff = tmp_path / "scan.tif"
    tiff.write_bytes(image_bytes(first, "TIFF", save_all=True, append_images=[second], dpi=(300, 300)))
    source = open_source(tiff)
    assert len(source) == 2
    source.close()
    jpeg = tmp_path / "photo.jpeg"
    jpeg.write_bytes(image_bytes(first.convert("RGB"), "JPEG", quality=85))
    assert detect_format(jpeg) == "jpeg"
