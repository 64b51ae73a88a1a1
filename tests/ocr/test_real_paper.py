"""What records staff really scan, read end to end by ``ocr_page``: a red seal and a blue signature
over the text, a phone photo with a shadow, a 1-bit photocopy, a noise-only page; and the pieces
that decide (colour dropout, page finding, noise lines, word check)."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageFilter

from ocr import degrade
from ocr.colour import drop_colour_ink
from ocr.document import _without_leaders, ocr_page
from ocr.engine import Recognition, Word, recognize
from ocr.geometry import find_page
from ocr.metrics import cer, fold
from ocr.preprocess import prepare
from ocr.regions import garbage_lines, garbage_parts, text_lines, without_words
from ocr.render import Line, layout, render_page, scanned, speckle
from ocr.text import wordlike
from ocr.typed import correct_letters, monospaced

BODY = [
    "Điều 1. Công nhận bà Nguyễn Thị Hương, số định danh cá nhân 001190012345, là thành viên Hội đồng.",
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số 2087/QĐ-UBND.",
    "Giấy xác nhận này có giá trị sử dụng trong thời hạn sáu tháng kể từ ngày cấp.",
    "Hồ sơ gồm: tờ khai theo mẫu; bản sao giấy khai sinh; giấy xác nhận tình trạng hôn nhân.",
    "Thời hạn giải quyết: ngay trong ngày tiếp nhận hồ sơ theo quy định hiện hành.",
    "Kết quả giải quyết được trả trực tiếp tại Bộ phận Một cửa hoặc qua dịch vụ bưu chính công ích.",
]
LINES = [
    Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold"),
    Line("Độc lập - Tự do - Hạnh phúc", "center", "bold"),
    Line("QUYẾT ĐỊNH", "center", "bold", 14, 14),
    *[Line(text, space_before=4) for text in BODY * 2],
]


def _truth(lines: list[Line]) -> str:
    return fold(" ".join(text for _, text, _, _ in layout(lines, 300)))


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return render_page(LINES, dpi=300)


def test_seal_and_signature_over_the_text_are_dropped_and_the_seal_recorded(page: Image.Image) -> None:
    sealed = degrade.sealed(page, random.Random(4))
    reading = ocr_page(sealed, 1, None)
    assert reading.facts.get("seal") == 1 and reading.facts.get("blue_ink")
    assert cer(_truth(LINES), reading.text) < 0.01
    # Read as plain grey, the seal's ring and letters cost whole lines.
    gray, found = drop_colour_ink(sealed, 300)
    assert found.dropped and np.asarray(gray).min() < 80  # black text stays black


def test_red_print_outside_a_seal_is_kept() -> None:
    title = render_page([Line("GIẤY CHỨNG NHẬN", "center", "bold", 20)]).convert("RGB")
    red = np.asarray(title).copy()
    red[np.asarray(title.convert("L")) < 128] = (200, 30, 40)
    gray, found = drop_colour_ink(Image.fromarray(red), 300)
    assert not found.seals and not found.dropped
    assert np.asarray(gray).min() < 100  # the red title is still there to read


def test_phone_photo_is_found_squared_and_read(page: Image.Image) -> None:
    photo = degrade.phone_photo(page, random.Random(2))
    assert photo.info["dpi"][0] == 72  # what phones write
    quad = find_page(np.asarray(photo.convert("L")))
    assert quad is not None
    reading = ocr_page(Image.open(io.BytesIO(_jpeg(photo))), 1, None)
    assert "page found, squared up" in reading.note
    assert cer(_truth(LINES), reading.text) < 0.01


def test_phone_photo_is_shown_as_the_page_it_was_read_from(page: Image.Image) -> None:
    """The searchable PDF shows the squared-up page the text layer was read from, not the photo."""
    photo = degrade.phone_photo(page, random.Random(2))
    prepared = prepare(photo, 300, dpi_known=False)
    assert prepared.display.mode == "RGB" and prepared.display.size != photo.size
    scale = prepared.recognition_dpi / prepared.display_dpi
    assert abs(prepared.display.width * scale - prepared.recognition.width) <= 2
    assert abs(prepared.display.height * scale - prepared.recognition.height) <= 2


def test_a_flatbed_scan_is_the_page_itself(page: Image.Image) -> None:
    assert find_page(np.asarray(scanned(page, random.Random(1)))) is None


def test_one_bit_photocopy_with_lid_borders_and_dust(page: Image.Image) -> None:
    copy = degrade.photocopy(page, random.Random(5))
    assert copy.mode == "1"
    reading = ocr_page(copy, 1, None)
    assert cer(_truth(LINES), reading.text) < 0.01


def test_a_page_of_noise_is_blank_with_the_reason() -> None:
    noise = speckle(
        scanned(Image.new("L", (2480, 3508), 255), random.Random(1), noise=14.0), random.Random(2), 0.002
    )
    noise.info["dpi"] = (300, 300)
    assert text_lines(noise, 300) == []
    reading = ocr_page(noise, 1, None)
    assert reading.text == ""
    assert reading.facts.get("blank") == "no_text_lines"
    assert (reading.width_px, reading.height_px) == noise.size  # the page as it came, not as re-read
    assert "trang trắng" in reading.note


def test_one_line_on_a_noisy_page_is_read_and_not_buried_in_noise() -> None:
    line = "Người ký: Phó Chủ tịch Hoàng Văn Phúc"
    page = render_page([Line(line, space_before=400)])
    noisy = speckle(scanned(page, random.Random(3), noise=16.0), random.Random(4), 0.003)
    noisy.info["dpi"] = (300, 300)
    assert len(text_lines(noisy, 300)) == 1
    reading = ocr_page(noisy, 1, None)
    assert cer(line, reading.text) < 0.05


def test_noise_lines_are_told_from_text_lines() -> None:
    def words(line: int, items: list[tuple[str, float]]) -> list[Word]:
        return [Word(t, c, line, 0, 0, 10, 10) for t, c in items]

    read = words(1, [("Giấy", 96), ("xác", 95), ("nhận", 96)]) + words(
        2, [("Z", 84), ("[A", 20), ("kộ", 0), ("v", 43), ("_m”<", 0), ("x", 92)]
    )
    read += words(3, [("dụnđ", 9), ("trong", 74), ("thời", 97), ("hạn", 97)])  # one bad word: kept
    assert garbage_lines(read) == {2}


def test_a_signatures_strokes_beside_a_line_of_text_are_dropped_not_the_line() -> None:
    # A real letter shared at ~110 dpi: the recipients' row ran on into the signature's loops, read
    # as "TƯỜNG, ĐÃ" far to its right. A table's cell and a number read unsure stay, as does a
    # right-hand column read sure.
    def word(text: str, confidence: float, line: int, left: int) -> Word:
        return Word(text, confidence, line, left, 100 * line, 20 * len(text), 40)

    words = [
        word("-", 91, 1, 280), word("Như", 97, 1, 311), word("trên;", 97, 1, 389),
        word("TƯỜNG,", 0, 1, 1397), word("ĐÃ", 35, 1, 1558),
        word("Nơi", 96, 2, 280), word("nhận:", 95, 2, 360),
        word("PHÓ", 96, 2, 1300), word("TRƯỞNG", 95, 2, 1390),
        word("2", 40, 3, 100), word("|DI4+LT+VB2", 20, 3, 160),
        word("7h30", 93, 3, 900), word("ngày", 95, 3, 1000),
        word("Só:s»2Ï/TB-ĐHĐL", 20, 4, 100), word("Hà", 97, 4, 1300), word("Nội,", 97, 4, 1360),
    ]  # fmt: skip
    assert [words[i].text for i in garbage_parts(words)] == ["TƯỜNG,", "ĐÃ"]
    text = "\n".join(" ".join(w.text for w in words if w.line == n) for n in (1, 2, 3, 4))
    read = Recognition(text, 80.0, words)
    assert without_words(read, garbage_parts(words)).text.split("\n")[0] == "- Như trên;"


@pytest.mark.parametrize(
    ("token", "expected"),
    [("nghiêng", True), ("Nguyễn", True), ("2087/QĐ-UBND", True), ("UBND", True), ("(Bằng", True),
     ("2.500.000.000", True), ("_m”<", False), ("z", False), ("`", False), ("dụnđ", False)],
)  # fmt: skip
def test_wordlike(token: str, expected: bool) -> None:
    assert wordlike(token) is expected


def _jpeg(image: Image.Image) -> bytes:
    data = io.BytesIO()
    image.save(data, "JPEG", quality=85, dpi=(72, 72))
    return data.getvalue()


def _typed_words(texts: list[str], pitch: int = 30) -> list[Word]:
    return [Word(t, 95, 1 + i // 8, 0, 0, pitch * len(t), 40) for i, t in enumerate(texts)]


def test_a_typed_page_is_told_by_its_even_pitch() -> None:
    texts = ["Giấy", "chứng", "nhận", "quyền", "sử", "dụng", "đất", "được", "cấp", "theo", "đúng"] * 3
    assert monospaced(_typed_words(texts))
    proportional = [Word(t, 95, 1, 0, 0, 30 * len(t) + (i % 5) * 9, 40) for i, t in enumerate(texts)]
    assert not monospaced(proportional)


@pytest.mark.parametrize(
    ("before", "read", "after", "expected"),
    [
        ("theo", "tuật", "định", "luật"),  # "tuật" is no word; "luật" is everywhere
        ("này", "tà", "bản", "là"),
        ("quyết", "Llăm", "người", "lăm"),
        ("tỷ", "Lệ", "phần", "lệ"),  # a capital between lowercase words
        ("chị", "Lan", "sinh", "Lan"),  # a one-syllable name after a word of address stays
        ("Văn", "Long", "sinh", "Long"),  # inside a name: the word before is a capital
        ("hồ", "sơ.", "Lập", "sơ."),
        ("quyết", "tăm", "người", "tăm"),  # "lăm" is not far more common: left alone
    ],
)
def test_typed_l_misreads_are_put_right_by_word_frequency(before, read, after, expected) -> None:
    words = _typed_words([before, read, after])
    fixed, _ = correct_letters(Recognition(f"{before} {read} {after}", 95, words))
    assert fixed.words[1].text == expected
    assert fixed.text == f"{before} {expected} {after}"


def test_a_typewritten_page_reads_within_half_a_percent() -> None:
    lines = [Line(ln.text, ln.align, "regular", 12, ln.space_before, "mono") for ln in LINES[:9]]
    typed = degrade.typewritten(lines, random.Random(11), family="mono")
    reading = ocr_page(typed, 1, None)
    assert "typed page" in reading.note
    assert cer(_truth(lines), reading.text) < 0.005


def test_textured_paper_is_not_read_as_text() -> None:
    """Two lines on blotchy paper: rows of blotches read as short syllables at low confidence
    ("Lị h vỉ _ TỐ" at 14) are noise; what is read stays near the size of the real text."""
    rng = np.random.default_rng(1)
    page = render_page(
        [
            Line("Nơi nhận: như trên; lưu văn thư.", space_before=120),
            Line("Chủ tịch Nguyễn Văn An", space_before=60),
        ],
        dpi=300,
    )
    pixels = np.asarray(page).astype(float)
    low = (rng.random((pixels.shape[0] // 20, pixels.shape[1] // 20)) * 120).astype(np.uint8)
    blotches = np.asarray(Image.fromarray(low).resize(page.size, Image.BICUBIC)).astype(float)
    noisy = Image.fromarray(
        np.clip(pixels - 0.8 * blotches + rng.normal(0, 15, pixels.shape), 0, 255).astype(np.uint8)
    )
    noisy.info["dpi"] = (300, 300)
    reading = ocr_page(noisy, 1, None)
    assert len("".join(reading.text.split())) <= 2 * 47, reading.text  # 47 letters on the page


def test_lines_under_a_seal_are_kept_when_the_page_reads_better_with_the_seal() -> None:
    """The seal's block (title, signer) read only once the seal is dropped is added to the reading
    kept with the seal; lines the kept reading has (a letter or two apart) and marks are not."""
    from ocr.document import _changed, _hidden_under_ink, _with_lines
    from ocr.engine import Recognition, Word

    dropped_image = Image.new("L", (1000, 1400), 255)
    kept_image = dropped_image.copy()
    kept_image.paste(0, (600, 900, 800, 1100))  # where the seal was
    body = [Word("các", 95, 1, 100, 100, 50, 30), Word("sinh", 95, 1, 160, 100, 60, 30)]
    dropped = Recognition("", 90, [
        *body,
        Word("TL.", 90, 2, 600, 920, 50, 30), Word("HIỆU", 90, 2, 660, 920, 80, 30),
        Word("TRƯỞNG", 90, 2, 750, 920, 120, 30),
        Word("ằ", 20, 3, 640, 1000, 20, 30),  # the seal's ring read as a mark
        Word("Phùng", 92, 4, 620, 1160, 90, 30), Word("Thị", 92, 4, 720, 1160, 50, 30),
        Word("Bình", 92, 4, 780, 1160, 70, 30),
        Word("tháng", 92, 5, 600, 880, 80, 30), Word("sáu", 92, 5, 690, 880, 50, 30),
    ])  # fmt: skip
    kept = Recognition("các sinh\ntháng sau", 90, [
        *body, Word("tháng", 90, 2, 600, 880, 80, 30), Word("sau", 60, 2, 690, 880, 50, 30),
    ])  # fmt: skip
    hidden = _hidden_under_ink(dropped, kept, _changed(dropped_image, kept_image))
    assert [" ".join(w.text for w in line) for line in hidden] == ["TL. HIỆU TRƯỞNG", "Phùng Thị Bình"]
    assert _with_lines(kept, hidden).text.endswith("TL. HIỆU TRƯỞNG\nPhùng Thị Bình")


def test_the_foot_is_read_recipients_first_then_the_signature() -> None:
    """Tesseract read the foot's two columns row by row across; the text gives the recipients (left)
    and then the signature block (right), as Nghị định 30/2020 lays them out. Body text running
    across the middle is left as read."""
    from ocr.engine import Recognition, Word
    from ocr.regions import recipients_before_signature

    def line(n: int, top: int, *words: tuple[str, int]) -> list[Word]:
        return [Word(text, 90, n, left, top, 20 * len(text), 30) for text, left in words]

    words = [
        *line(1, 100, ("Nội", 100), ("dung", 200), ("văn", 320), ("bản", 420), ("dài", 520), ("suốt", 620)),
        *line(2, 900, ("Nơi", 100), ("nhận:", 180), ("TL.", 700), ("HIỆU", 780), ("TRƯỞNG", 880)),
        *line(3, 950, ("-", 100), ("Lưu:", 130), ("VT.", 230), ("Vũ", 700), ("Thị", 760), ("Nga", 830)),
    ]
    read = Recognition(
        "Nội dung văn bản dài suốt\n\nNơi nhận: TL. HIỆU TRƯỞNG\n- Lưu: VT. Vũ Thị Nga", 90, words
    )
    ordered = recipients_before_signature(read, 1200)
    assert ordered.text.splitlines() == [
        "Nội dung văn bản dài suốt", "", "Nơi nhận:", "- Lưu: VT.", "TL. HIỆU TRƯỞNG", "Vũ Thị Nga",
    ]  # fmt: skip
    body = Recognition("x", 90, line(1, 900, ("Nơi", 100), ("nhận", 160), ("hồ", 560), ("sơ", 620)))
    assert recipients_before_signature(body, 1200) is body  # one line across the middle: not two columns


def test_a_seal_band_is_read_again_alone_and_spliced_in_its_place() -> None:
    """Colour dropout changes a seal's rows only: those rows (grown to whole lines, the signer below
    included) are read again with the colour kept, and their lines take the place of the page's own
    there, in text order, the rest of the page as read."""
    from ocr.document import _band
    from ocr.engine import Recognition, Word
    from ocr.regions import with_band

    def line(n: int, top: int, *texts: str) -> list[Word]:
        return [Word(t, 90, n, 100 + 120 * i, top, 100, 30) for i, t in enumerate(texts)]

    page = Recognition("Nội dung\n\nTL. HIỆU\nTRƯỞNG ằ\n\nTrang 2", 90, [
        *line(1, 100, "Nội", "dung"), *line(2, 880, "TL.", "HIỆU"), *line(3, 1085, "TRƯỞNG", "ằ"),
        *line(4, 1900, "Trang", "2"),
    ])  # fmt: skip
    changed = np.zeros((2000, 1000), bool)
    changed[900:1000, 600:800] = True  # the seal's ink, over the signing title
    top, bottom = _band(changed, page)
    assert top <= 880 and bottom >= 1085 + 30 and bottom < 1900  # whole lines, not the page
    assert _band(np.zeros((2000, 1000), bool), page) == (0, 0)  # nothing changed: nothing to read
    changed[100:1900, 0:1000] = True
    assert _band(changed, page) is None  # most of the page: read again whole

    band = Recognition("TL. HIỆU TRƯỞNG\nPhùng Thị Bình", 92, [
        *line(1, 890, "TL.", "HIỆU", "TRƯỞNG"), *line(2, 1090, "Phùng", "Thị", "Bình"),
    ])  # fmt: skip
    spliced = with_band(page, {2, 3}, band)
    assert spliced.text == "Nội dung\n\nTL. HIỆU TRƯỞNG\nPhùng Thị Bình\n\nTrang 2"
    lines: dict[int, list[str]] = {}
    for w in spliced.words:
        lines.setdefault(w.line, []).append(w.text)
    assert [" ".join(t) for _, t in sorted(lines.items())] == spliced.text.replace("\n\n", "\n").split("\n")


FORM = [
    Line("PHIẾU ĐĂNG KÝ CHUYÊN NGÀNH", "center", "bold"),
    Line("Họ và tên: " + "." * 70 + " Ngày sinh: " + "." * 30, space_before=12),
    Line("Mã sinh viên: " + "." * 66 + " Điện thoại: " + "." * 28, space_before=12),
    Line("Ngành học: " + "." * 120, space_before=12),
    Line("Lớp: " + "." * 130, space_before=12),
    Line("Hộ tịch, lợi ích, bạn học, tự do, hạnh phúc, chịu trách nhiệm", space_before=12),
]


def test_a_forms_dot_leaders_are_found_and_their_lines_read_as_labels() -> None:
    # Found run by run along the fill lines; a line with dots below its letters ("ộ ợ ạ ự ị") has none.
    image = scanned(render_page(FORM, dpi=300), random.Random(3))
    prepared = prepare(image, 300)
    assert len(prepared.leaders) == 6, prepared.leaders  # two on each of the first two lines
    last = layout(FORM, 300)[-1][3]
    assert all(top < last for _l, top, _r, _b in prepared.leaders)
    labels = ("Họ và tên:", "Ngày sinh:", "Mã sinh viên:", "Điện thoại:", "Ngành học:", "Lớp:")
    # Read whole, the dots come out as "00/6000... n6 6 7ê. ..nn.. NGÀY BÌNH 7..." and take the
    # labels with them; each line read again without its dots gives them back.
    first = recognize(prepared.recognition, dpi=300, want_pdf=False)
    assert sum(label in first.text for label in labels) <= 2
    mended, lines = _without_leaders(prepared.recognition, first, prepared.leaders, 300)
    assert lines >= 4 and all(label in mended.text for label in labels), mended.text
    assert "Hộ tịch, lợi ích" in mended.text  # a line without leaders keeps its first reading
    reading = ocr_page(image, 1, None)
    assert all(label in reading.text for label in labels) and "...." not in reading.text


def test_the_x_height_is_measured_on_letters_not_on_dot_leaders() -> None:
    # A line with a long leader has its densest rows at the dots: taken for its letters' band, they
    # made 13 pt letters look 8 px high at 300 DPI and the page was upsampled for nothing.
    image = render_page(FORM, dpi=300)
    prepared = prepare(image, 300)
    assert not any(step.startswith("upsample") for step in prepared.steps), prepared.steps
    assert prepared.analysis.x_height and prepared.analysis.x_height > 20


def test_text_showing_through_from_the_back_is_no_text() -> None:
    # The back of a letter: its text shows through mirrored and faint. Tesseract reads it as
    # "3Òđ MÀIO", "TOAQ AV/*": rows of letter-like marks, no words. The page is blank, and says why.
    front = np.asarray(render_page(LINES, dpi=200).convert("L"), float)
    back = 255 - (255 - front[:, ::-1]) * 0.25
    back = np.asarray(Image.fromarray(back.astype(np.uint8)).filter(ImageFilter.GaussianBlur(2)), float)
    back = (back + np.random.default_rng(0).normal(0, 4, back.shape)).clip(0, 255).astype(np.uint8)
    reading = ocr_page(Image.fromarray(back), 1, None)
    assert reading.text == "" and reading.facts.get("blank") in {"no_words", "no_text_lines"}, reading.text
    assert "mặt sau" in (reading.note or "") or "blank" in (reading.note or "")
    # The front, read the same way, is text: the rule does not blank real pages.
    assert ocr_page(render_page(LINES, dpi=200), 1, None).facts.get("blank") is None


@pytest.mark.parametrize(
    ("read", "on_page", "expected"),
    [
        ("chât", (), "chất"),  # "chât lượng": no Vietnamese syllable ends in t without sắc or nặng
        ("Tât", (), "Tất"),
        ("đồng/suât/năm.", (), "đồng/suất/năm."),
        ("hoat", (), "hoạt"),
        ("câp", (), "câp"),  # cấp or cập (cập nhật): the language alone cannot tell ...
        ("câp", ("cấp",), "cấp"),  # ... the page can
        ("luc", (), "luc"),  # lúc or lục (phụ lục): left as read
        ("TEC", (), "TEC"),  # capitals without a mark: an acronym
        ("market", (), "market"),  # not one Vietnamese syllable
        ("học", (), "học"),
    ],
)
def test_a_stop_final_gets_the_tone_vietnamese_requires(read: str, on_page: tuple, expected: str) -> None:
    from ocr.document import _stop_tones

    words = [Word(read, 80.0, 1, 0, 0, 40, 20), *(Word(w, 90.0, 2, 0, 40, 40, 20) for w in on_page)]
    text = "\n".join([read, *on_page])
    mended, _ = _stop_tones(Recognition(text, 80.0, words))
    assert mended.words[0].text == expected and mended.text.split("\n")[0] == expected


def test_a_day_month_or_year_read_with_letters_is_written_in_digits() -> None:
    from ocr.document import _date_digits

    read = "ngày 25 tháng II năm 2O15 , Chương II , nam lO"
    words = [Word(t, 80.0, 1, 40 * n, 0, 30, 20) for n, t in enumerate(read.split())]
    mended, changed = _date_digits(Recognition(read, 80.0, words))
    # The month and the year; a chapter's Roman numeral and "nam lO" (not a year) stay as read.
    assert changed == 2 and mended.text == "ngày 25 tháng 11 năm 2015 , Chương II , nam lO"


def test_a_letter_read_for_a_digit_inside_a_number_is_put_back() -> None:
    from ocr.document import _digit_lookalikes

    read = "dịch COVID-I9 , số l5/QĐ ngày I4 , khóa DI2 , Chương II , Il , năm 2O19 , 12I02I2025 10/06/I2024"
    words = [Word(t, 80.0, 1, 40 * n, 0, 30, 20) for n, t in enumerate(read.split())]
    mended, changed = _digit_lookalikes(Recognition(read, 80.0, words))
    # Runs of digits only; a code's letters ("DI2"), Roman numerals, words of letters and a card's
    # dates read with I for their slashes (the date's parser's to read) stay.
    assert changed == 4
    assert mended.text == (
        "dịch COVID-19 , số 15/QĐ ngày 14 , khóa DI2 , Chương II , Il , năm 2019 , 12I02I2025 10/06/I2024"
    )


def test_a_word_takes_the_tone_it_has_before_the_same_word_elsewhere_on_the_page() -> None:
    # "tô chức" is two words of the language: only the page says the hat ate the tone of "tổ".
    from ocr.document import _as_elsewhere_on_page

    def reading(lines: list[str]) -> Recognition:
        words = [
            Word(t, 80.0, n, 40 * i, 30 * n, 30, 20)
            for n, line in enumerate(lines, 1)
            for i, t in enumerate(line.split())
        ]
        return Recognition("\n".join(lines), 80.0, words)

    mended, changed = _as_elsewhere_on_page(reading(["TÔ CHỨC thi", "việc tổ chức", "ban tổ chức"]))
    assert changed == 1 and mended.text.split("\n") == ["TỔ CHỨC thi", "việc tổ chức", "ban tổ chức"]
    # The page reads "thi THPT" more often than "thì THPT": the misreading is the toned one, left alone.
    same = reading(["kỳ thi THPT", "thi THPT quốc gia", "thì THPT"])
    assert _as_elsewhere_on_page(same) == (same, 0)


def test_words_read_from_specks_far_smaller_than_the_pages_letters_are_dropped() -> None:
    """A seal's and a signature's specks come back as "-uộ." in a 4x2 px box and "ê" in 2x2 beside
    23 px letters: no printed character is that small. A lexicon word read surely in a box drawn too
    small (a table cell's "sai" at 97) stays."""
    from ocr.regions import phantom_words

    line = [Word(text, 96, 1, 100 + 80 * n, 100, 60, 23) for n, text in enumerate(["Lưu:", "VT,", "CTrTT."])]
    specks = [
        Word("-uộ.", 0, 1, 916, 105, 4, 2),
        Word("ê", 77, 1, 977, 100, 2, 2),
        Word("sai", 97, 1, 990, 100, 5, 7),
    ]
    words = line + specks + [Word("-", 92, 1, 20, 110, 8, 4)]  # a dash is small and no letter
    assert [words[i].text for i in phantom_words(words)] == ["-uộ.", "ê"]
