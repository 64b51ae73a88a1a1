"""Page reading and OCR, through the real ``sohoa ocr`` command and tesseract (no fakes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ocr.engine import check_engine
from ocr.metrics import cer
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


def test_rotated_and_skewed_scan_reads_upright(tmp_path: Path) -> None:
    from random import Random

    from ocr.render import scanned

    page = tmp_path / "lật ngược.png"
    scanned(render_page(PAGE), Random(5), max_skew=2.0).rotate(180).save(page, dpi=(300, 300))
    done = sohoa("ocr", str(page), "--json")
    assert done.returncode == 0, done.stderr
    [p] = json.loads(done.stdout)["pages"]
    assert cer(REFERENCE, p["text"]) < 0.01


def test_garbage_text_layer_is_ocred_with_reason(tmp_path: Path) -> None:
    from ocr.document import read_document

    # Without its ToUnicode map a font's glyphs cannot be mapped back to text: a garbage layer.
    data = born_digital_pdf([PAGE]).replace(b"/ToUnicode", b"/ToUnicodX")
    pdf = tmp_path / "garbage.pdf"
    pdf.write_bytes(data)
    reading = read_document(pdf, tmp_path / "work")
    [page] = reading.pages
    assert page.method == "ocr" and "garbage" in (page.note or "")
    assert cer(REFERENCE, page.text) < 0.01


def test_searchable_pdf_has_page_image_and_placed_text(tmp_path: Path) -> None:
    import pdfplumber
    import pypdfium2 as pdfium

    from ocr.document import read_document

    scan = tmp_path / "scan.png"
    render_page(PAGE).rotate(90, expand=True).save(scan, dpi=(300, 300))
    reading = read_document(scan, tmp_path / "work")
    assert reading.pages[0].rotation == 270 and reading.pages[0].words
    with pdfplumber.open(reading.searchable_pdf) as pdf:
        [page] = pdf.pages
        assert (round(page.width), round(page.height)) == (595, 842)  # upright A4 in points
        assert len(page.images) == 1
        title = [w for w in page.extract_words() if w["text"] == "TÌNH"]
        assert title, "the title's words are in the text layer"
        # The title is centred near the top of the page, where the image shows it.
        assert 150 < title[0]["x0"] < 450 and title[0]["top"] < 200
    rendered = pdfium.PdfDocument(str(reading.searchable_pdf))[0].render(scale=0.5).to_pil().convert("L")
    assert rendered.getextrema()[0] < 100  # the page image shows ink, not an empty page


def test_doubtful_numbers_are_read_again_alone() -> None:
    """A digit word tesseract was unsure of is re-read from its own box; sure words are left alone."""
    from ocr.engine import recognize, reread_uncertain

    page = render_page([Line("Số: 647/1983", "center"), Line("Ngày cấp: 04/06/1983")])
    first = recognize(page, dpi=300, want_pdf=False)
    number = next(w for w in first.words if "1983" in w.text and "/" in w.text and len(w.text) == 8)
    # As if the page-mode reading had garbled it, unsure (the case seen on a clean certificate).
    words = [
        type(w)("6417/1983", 5.7, w.line, w.left, w.top, w.width, w.height) if w is number else w
        for w in first.words
    ]
    garbled = type(first)(first.text.replace(number.text, "6417/1983"), first.confidence, words)
    fixed, changed = reread_uncertain(page, garbled, dpi=300)
    assert changed == 1
    assert "Số: 647/1983" in fixed.text and "6417" not in fixed.text
    assert next(w for w in fixed.words if w.text == "647/1983").confidence > 60
    assert "04/06/1983" in fixed.text  # the other line is untouched
    same, none = reread_uncertain(page, first, dpi=300)
    assert none == 0 and same is first


def test_key_numbers_misread_surely_are_outvoted_by_two_readings_alone() -> None:
    """A date's year and an identifier are read alone twice; both agreeing on other digits win."""
    from ocr.engine import recognize, reread_uncertain

    page = render_page([Line("Số: 683/2023", "center"), Line("Số định danh cá nhân: 019168868429"),
                        Line("Hoàn Kiếm, ngày 25 tháng 09 năm 2023")])  # fmt: skip
    first = recognize(page, dpi=300, want_pdf=False)
    assert "019168868429" in first.text and "năm 2023" in first.text
    # As seen on scanned certificates: a year and an ID's last digit misread, confidently.
    misread = {"2023": "2025", "019168868429": "019168868423"}
    words = [type(w)(misread[w.text], 96.0, w.line, w.left, w.top, w.width, w.height) if w.text in misread
             else w for w in first.words]  # fmt: skip
    text = first.text.replace("năm 2023", "năm 2025").replace("019168868429", "019168868423")
    fixed, changed = reread_uncertain(page, type(first)(text, first.confidence, words), dpi=300)
    assert changed == 2
    assert "năm 2023" in fixed.text and "2025" not in fixed.text
    assert "019168868429" in fixed.text and "683/2023" in fixed.text

    # Years one digit apart that really differ (issued 2023, valid until 2024) stay as they are.
    other = render_page([Line("Ngày cấp: 04/06/2023"), Line("Có giá trị đến: 04/12/2024")])
    reading = recognize(other, dpi=300, want_pdf=False)
    assert "2023" in reading.text and "2024" in reading.text
    same, none = reread_uncertain(other, reading, dpi=300)
    assert none == 0 and same is reading


def test_a_date_read_with_letters_for_digits_is_read_again_as_digits() -> None:
    """A card's bold date read "26/0B/1975" is read alone with digits and slashes allowed only; a date
    read right, and a word that is no date, are left alone."""
    from ocr.cards import reread_dates
    from ocr.engine import recognize

    page = render_page([Line("Ngày sinh: 26/05/1975", weight="bold"), Line("Nơi cấp: Cục Cảnh sát")])
    first = recognize(page, dpi=300, want_pdf=False)
    date_word = next(w for w in first.words if w.text == "26/05/1975")
    misread = {"26/05/1975": "26/0B/1975", "Cục": "C0BD"}  # "C0BD": letters, but no date's shape
    words = [type(w)(misread.get(w.text, w.text), 80.0, w.line, w.left, w.top, w.width, w.height)
             for w in first.words]  # fmt: skip
    text = first.text.replace("26/05/1975", "26/0B/1975").replace("Cục", "C0BD")
    fixed, changed = reread_dates(page, type(first)(text, first.confidence, words), dpi=300)
    assert changed == 1
    assert "26/05/1975" in fixed.text and "C0BD" in fixed.text
    assert next(w for w in fixed.words if w.text == "26/05/1975").left == date_word.left
    same, none = reread_dates(page, first, dpi=300)
    assert none == 0 and same is first


def test_page_pool_outlives_a_document_and_never_mixes_files(tmp_path: Path) -> None:
    """A batch reads file after file with one pool; a path reused for another file is read anew."""
    import ocr.document as document
    from repository.intake.samples import image_pdf

    def pages(title: str) -> bytes:
        return image_pdf(
            [render_page([Line(f"{title} SỐ {n}", "center", "bold", 14), *PAGE[3:6]]) for n in (1, 2)]
        )

    pdf = tmp_path / "original.pdf"
    pdf.write_bytes(pages("QUYẾT ĐỊNH"))
    first = document.read_document(pdf, tmp_path / "w1", workers=2)
    pools = dict(document._POOLS)
    assert len(pools) == 1
    # The next document, at the same path (as a rerun's staging may give): its own pages, same workers.
    pdf.write_bytes(pages("GIẤY KHAI SINH"))
    second = document.read_document(pdf, tmp_path / "w2", workers=2)
    assert pools == document._POOLS
    assert [p.text.splitlines()[0] for p in first.pages] == ["QUYẾT ĐỊNH SỐ 1", "QUYẾT ĐỊNH SỐ 2"]
    assert [p.text.splitlines()[0] for p in second.pages] == ["GIẤY KHAI SINH SỐ 1", "GIẤY KHAI SINH SỐ 2"]


def test_a_pool_started_ahead_is_the_one_a_document_reads_with(tmp_path: Path) -> None:
    """sohoa run starts the pool with Airflow: its workers load the model before the first page."""
    import os

    import ocr.document as document
    from repository.intake.samples import image_pdf

    document.start_page_pool(2)
    pool = document._POOLS[(os.getpid(), 2)]
    assert len(pool._processes) == 2  # started now, not at the first page
    pdf = tmp_path / "original.pdf"
    pdf.write_bytes(image_pdf([render_page([Line(f"TỜ SỐ {n}", "center", "bold", 14)]) for n in (1, 2)]))
    reading = document.read_document(pdf, tmp_path / "w", workers=2)
    assert document._POOLS[(os.getpid(), 2)] is pool and document.PAGES_UNDER_WAY.is_set()
    assert [p.text for p in reading.pages] == ["TỜ SỐ 1", "TỜ SỐ 2"]


def test_a_dead_page_worker_fails_its_document_only(tmp_path: Path) -> None:
    """A worker killed mid-document (out of memory, SIGKILL) fails that document with the reason; the
    pool is not reused and the next document reads on a fresh one."""
    import os
    import signal
    import threading
    import time
    from concurrent.futures.process import BrokenProcessPool

    import ocr.document as document
    from repository.intake.samples import image_pdf

    pdf = tmp_path / "bốn trang.pdf"
    pdf.write_bytes(
        image_pdf([render_page([Line(f"TRANG {n}", "center", "bold", 14), *PAGE[3:6]]) for n in range(4)])
    )
    document.read_document(pdf, tmp_path / "w0", workers=2)
    [pool] = document._POOLS.values()
    failures: list[BaseException] = []

    def read() -> None:
        try:
            document.read_document(pdf, tmp_path / "w1", workers=2)
        except BaseException as exc:  # noqa: BLE001 - what the reader sees is the point
            failures.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.5)  # both workers on a page
    os.kill(next(iter(pool._processes)), signal.SIGKILL)
    reader.join(120)
    assert len(failures) == 1 and isinstance(failures[0], BrokenProcessPool)
    assert pool not in document._POOLS.values()
    again = document.read_document(pdf, tmp_path / "w2", workers=2)
    assert [p.text.splitlines()[0] for p in again.pages] == [f"TRANG {n}" for n in range(4)]


def test_tesseract_and_opencv_are_single_threaded_however_ocr_is_entered() -> None:
    # OpenMP reads OMP_THREAD_LIMIT once, when libtesseract loads. `sohoa ocr` loaded it through
    # check_engine before anything set it: each recognition then spun OpenMP threads against the
    # other workers (2.4x the CPU on real pages). Any entry into the ocr package sets it first;
    # OpenCV's thread pool likewise (one worker per core already keeps every core busy).
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_THREAD_LIMIT", "OPENCV_FOR_THREADS_NUM")}
    code = (
        "import os, ocr.engine as e, ocr.preprocess, cv2; e.check_engine(); "
        "print(os.environ['OMP_THREAD_LIMIT'], cv2.getNumThreads())"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "1 1"


def test_ocr_cli_reads_several_files_at_once_in_their_order_with_workers_unset(tmp_path: Path) -> None:
    # The tests set SOHOA_OCR_WORKERS; a newcomer's shell does not ("as many as cores").
    files = []
    for n, line in enumerate(("Giấy khai sinh", "Đơn đề nghị", "Quyết định")):
        page = tmp_path / f"{n}.png"
        render_page([Line(line, size=20)], dpi=300).save(page, dpi=(300, 300))
        files.append(str(page))
    env = {k: v for k, v in os.environ.items() if k != "SOHOA_OCR_WORKERS"}
    done = subprocess.run(
        [sys.executable, "-m", "repository", "ocr", *files, "--json"], capture_output=True, text=True, env=env
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["file"] for row in rows] == files
    assert [row["pages"][0]["text"] for row in rows] == ["Giấy khai sinh", "Đơn đề nghị", "Quyết định"]
