"""ID cards in phone photos: found and squared at any rotation, told apart by model and side, read by
their template. Specimen cards only (ocr.specimen_cards): no real person's card is in the project."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr import cards, geometry
from ocr.document import _card_upright, ocr_page
from ocr.engine import Recognition, Word
from ocr.render import Line, _font, render_page
from ocr.specimen_cards import draw_card, holder, on_desk
from ocr.text import fold
from ocr.understand import understand


def _printed(name: str, value: str) -> str:
    if name in ("date_of_birth", "valid_until", "issue_date"):
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return value


@pytest.mark.parametrize("turn", [0, 45, 90, 180, 250])
def test_a_card_on_a_desk_is_found_at_any_rotation(turn: int) -> None:
    rng = random.Random(turn)
    card = draw_card(holder(rng), "cccd_2021", "front", rng)
    photo = on_desk(card.image, rng, turn=turn, card_share=0.5)
    quad = geometry.find_card(np.asarray(photo.convert("L")))
    assert quad is not None and geometry.card_shaped(quad)
    squared = geometry.square_card(photo, quad)
    assert squared.width > squared.height  # the long side across, whichever way it lay


@pytest.mark.parametrize("seed", [1, 3, 6])  # outlines seen 1.48, 1.47, 1.45 long
def test_a_card_whose_outline_looks_squat_is_found(seed: int) -> None:
    """Its rounded corners cut or tilted a little about its short axis, a card's outline can look
    1.45-1.5 long (a card is 1.59, A4 1.41): such cards were read as pages."""
    rng = random.Random(seed)
    card = draw_card(holder(rng), "cmnd", "front", rng).image
    squat = card.resize((round(card.height * 1.52), card.height))
    photo = on_desk(squat, rng, turn=rng.uniform(-20, 20), card_share=0.55)
    assert geometry.find_card(np.asarray(photo.convert("L"))) is not None


@pytest.mark.parametrize("turn", [10, 135])
def test_a_card_on_a_wooden_desk_is_found_through_its_grain(turn: int) -> None:
    rng = random.Random(turn)
    card = draw_card(holder(rng), "can_cuoc_2024", "back", rng)
    photo = on_desk(card.image, rng, turn=turn, card_share=0.55, wood=True)
    quad = geometry.find_card(np.asarray(photo.convert("L")), photo)
    assert quad is not None and geometry.card_shaped(quad)


def test_a_scanned_page_is_never_taken_for_a_card() -> None:
    page = render_page([Line("QUYẾT ĐỊNH", "center", "bold", 16), Line("Số: 12/QĐ-UBND")])
    assert geometry.find_card(np.asarray(page)) is None


def test_a_card_shaped_box_on_a_scanned_page_or_a_photocopied_card_is_no_card_on_a_light_desk() -> None:
    """Looked for on a light desk, a card's outline needs a desk unlike the card round it: a framed box
    of a card's proportions on a scanned page has the page's paper on both sides, and a card
    photocopied onto a page (front and back, ~7 % of it each) is too small to be the photo's card."""
    from PIL import ImageDraw

    page = render_page(
        [Line("GIẤY XÁC NHẬN", "center", "bold", 16)] + [Line("Nội dung xác nhận")] * 3, dpi=150
    )
    page = page.convert("RGB")
    draw = ImageDraw.Draw(page)
    draw.rectangle((200, 500, 1000, 1000), outline="black", width=3)  # 800 x 500: a card's 1.6
    draw.text((260, 600), "Ô ghi chú của cán bộ tiếp nhận", fill="black")
    assert geometry.find_card(np.asarray(page.convert("L")), page) is None

    rng = random.Random(3)
    person = holder(rng)
    copy = render_page([Line("BẢN SAO CĂN CƯỚC CÔNG DÂN", "center", "bold", 14)], dpi=150).convert("RGB")
    width = round(85.6 / 25.4 * 150)
    for n, side in enumerate(("front", "back")):
        card = draw_card(person, "cccd_2021", side, rng).image.convert("L").convert("RGB")
        card = card.resize((width, round(width / 1.586)))
        copy.paste(card, (380, 300 + n * (card.height + 80)))
    assert geometry.find_card(np.asarray(copy.convert("L")), copy) is None


@pytest.mark.parametrize(("model", "side", "turn"), [("cccd_2021", "front", 30), ("cmnd", "back", 200)])
def test_a_card_on_a_light_desk_is_found_and_read(model: str, side: str, turn: int) -> None:
    """On a white table or a sheet of paper no darker desk shows round the card, and its edge is
    faint: it was read as a page (a third of its values found on such photos, 0.86 now)."""
    rng = random.Random(5)
    specimen = draw_card(holder(rng), model, side, rng)
    photo = on_desk(specimen.image, rng, turn=turn, card_share=0.55, light_desk=True)
    reading = ocr_page(photo, 1, None)
    assert "ID card found, squared up" in reading.note
    assert reading.facts["card"] == {"model": model, "side": side}
    found = understand([(1, reading.text, reading.confidence)])
    for name in ("full_name", "personal_id") if side == "front" else ("issuer", "signer"):
        assert found.fields[name].value == specimen.printed[name], (name, reading.text)


@pytest.mark.parametrize(
    ("model", "side", "turn"),
    [("cccd_2021", "front", 180), ("can_cuoc_2024", "front", 20), ("cmnd", "front", 95)],
)
def test_a_card_photo_is_read_by_its_template(model: str, side: str, turn: int) -> None:
    rng = random.Random(7)
    specimen = draw_card(holder(rng), model, side, rng)
    photo = on_desk(specimen.image, rng, turn=turn, card_share=0.6)
    reading = ocr_page(photo, 1, None)
    assert "ID card found, squared up" in reading.note
    assert reading.facts["card"] == {"model": model, "side": side}
    assert reading.facts["resolution"]["from"] == "card"
    found = understand([(1, reading.text, reading.confidence)])
    assert found.type == ("cmnd" if model == "cmnd" else "cccd")
    for name in ("full_name", "date_of_birth", "personal_id" if model != "cmnd" else "number"):
        assert name in found.fields, (name, reading.text)
        value, printed = _printed(name, found.fields[name].value), specimen.printed[name]
        if name == "full_name":  # the field is found in its place; a tone mark misread is OCR's
            value, printed = fold(value), fold(printed)  # (benchmarks/cards.py counts those)
        assert value.casefold() == printed.casefold()


@pytest.mark.parametrize("model", ["cccd_2021", "cmnd"])
def test_which_way_up_a_squared_card_lies_is_told_by_its_reading(model: str) -> None:
    """A squared card is read as it lies and, unless its template's labels read, turned: most cards
    are photographed upright and then cost one reading (OSD on every card cost most of another)."""
    rng = random.Random(3)
    card = draw_card(holder(rng), model, "front", rng).image.convert("L")
    turn, reading = _card_upright(card, geometry.CARD_DPI, False)
    assert turn == 0 and cards.identify(reading.text) == cards.Card(model, "front")
    turn, reading = _card_upright(card.rotate(180), geometry.CARD_DPI, False)
    assert turn == 180 and cards.identify(reading.text) == cards.Card(model, "front")


def test_a_word_read_as_marks_with_no_confidence_is_read_again_over_all_its_ink() -> None:
    """A card's expiry under the photo, level with the address's wrapped line on another baseline,
    came out "—ớ" (confidence 11), its box on part of the date: read again alone over the whole of
    its ink (up to the next word), it is the date. A word read right with little confidence stays."""
    sheet = Image.new("L", (900, 140), 255)
    draw = ImageDraw.Draw(sheet)
    draw.text((40, 40), "27/12/2042", fill=0, font=_font("bold", 44))
    draw.text((560, 40), "Xuyên,", fill=0, font=_font("bold", 44))
    right = 40 + round(draw.textlength("27/12/2042", font=_font("bold", 44)))
    garbled = Word("—ớ", 11.0, 1, 42, 48, (right - 40) * 3 // 4, 38)
    known = Word("Xuyên,", 25.0, 1, 560, 46, 150, 40)
    reading = Recognition("—ớ Xuyên,", 18.0, [garbled, known])
    again, changed = cards.reread_garbled(sheet, reading, dpi=300)
    assert changed == 1
    assert [w.text for w in again.words] == ["27/12/2042", "Xuyên,"]
    assert again.words[0].left + again.words[0].width >= right - 2  # the box grew over the date


def test_a_word_boxed_far_taller_than_its_row_stays_in_its_row() -> None:
    # Words as tesseract boxed them on a card shared small (x, y of the box, its width and height):
    # "Nguyễn" opens the address's second row, its box 99 px high (marks, descender and a speck) where
    # the letters are 39; by its box's middle it was a row of its own, read after "Thành phố".
    rows = [
        [("Nơi", 580, 950, 36), ("thường", 661, 948, 40), ("trú:", 814, 950, 36), ("Số", 900, 948, 40),
         ("12", 980, 950, 36), ("phố", 1050, 948, 40)],
        [("Nguyễn", 580, 990, 99), ("Văn", 777, 996, 39), ("Cừ,", 883, 994, 43), ("Thành", 984, 996, 39),
         ("phố", 1150, 994, 43)],
        [("Hồ", 580, 1045, 40), ("Chí", 650, 1045, 40), ("Minh", 720, 1047, 38)],
    ]  # fmt: skip
    # Tesseract's lines as it gave them: "Nguyễn" a line of its own.
    words = [
        Word(text, 90.0, 9 if text == "Nguyễn" else line, left, top, 25 * len(text), height)
        for line, row in enumerate(rows)
        for text, left, top, height in row
    ]
    text = cards.reading_order(words, (1800, 1135), cards.Card("cmnd", "back"))
    assert text.splitlines() == ["Nơi thường trú: Số 12 phố", "Nguyễn Văn Cừ, Thành phố", "Hồ Chí Minh"]


def test_models_and_sides_are_told_apart_by_what_only_they_print() -> None:
    assert cards.identify("CĂN CƯỚC CÔNG DÂN\nCitizen Identity Card\nSố / No.:") == cards.Card(
        "cccd_2021", "front"
    )
    assert cards.identify("CĂN CƯỚC\nIDENTITY CARD\nSố định danh cá nhân") == cards.Card(
        "can_cuoc_2024", "front"
    )
    assert cards.identify("Nơi cư trú / Place of residence:\nBỘ CÔNG AN") == cards.Card(
        "can_cuoc_2024", "back"
    )
    assert cards.identify("Đặc điểm nhân dạng\nNgón trỏ trái") == cards.Card("cccd_2021", "back")
    assert cards.identify("GIẤY CHỨNG MINH NHÂN DÂN\nNguyên quán:") == cards.Card("cmnd", "front")
    assert cards.identify("QUYẾT ĐỊNH về việc cấp giấy phép") is None


def test_the_photo_column_is_read_after_the_fields_beside_it() -> None:
    """Under the photo, the expiry; beside it, the place of origin: read row by row they interleave."""
    size = (1800, 1135)

    def word(text: str, left: int, top: int) -> Word:
        return Word(text, 90.0, 1, left, top, 30 * len(text), 40)

    words = [
        word("Quê", 560, 800), word("quán:", 680, 800),
        word("Có", 60, 805), word("giá", 150, 805), word("trị", 260, 805), word("đến:", 350, 805),
        word("Hà", 560, 860), word("Nội", 650, 860),
        word("05/09/2037", 60, 900),
    ]  # fmt: skip
    text = cards.reading_order(words, size, cards.Card("cccd_2021", "front"))
    assert text.splitlines() == ["Quê quán:", "Hà Nội", "", "Có giá trị đến:", "05/09/2037"]


def test_a_card_squared_a_little_off_level_is_read_row_by_row_along_its_slope() -> None:
    """A corner cut off by the frame: the squared card's rows fall 4 px in 100 across. Grouped by
    their words' middles, a long row's end joined the next row's start, and the address came out as
    "Văn Cừ, Xã Nghi Phong" before "Số 12 ngõ 45 phố Nguyễn". The slope is measured on tesseract's
    lines, each one row; the rows follow it."""
    size = (1800, 1135)
    rows = [["Nơi", "cư", "trú:", "Số", "12", "ngõ", "45", "phố", "Nguyễn", "Văn", "Cừ,"],
            ["Xã", "Nghi", "Phong,", "Huyện", "Nghi", "Lộc,", "Nghệ", "An"]]  # fmt: skip
    words = []
    for line, (texts, top) in enumerate(zip(rows, (300, 360), strict=True), start=1):
        left = 100
        for text in texts:
            words.append(Word(text, 90.0, line, left, round(top + 0.04 * left), 25 * len(text), 40))
            left += 25 * len(text) + 20
    text = cards.reading_order(words, size, cards.Card("can_cuoc_2024", "back"))
    assert text.splitlines() == [" ".join(rows[0]), " ".join(rows[1])]


@pytest.mark.parametrize(("seed", "count"), [(4, 30), (0, 8), (1, 11), (6, 26)])
def test_an_a4_page_photographed_is_a_page_not_a_card(seed: int, count: int) -> None:
    """A page in perspective can come near a card's proportions (short pages most: seeds 0, 1 and 6
    were taken for cards when cards as squat as 1.42 were looked for); OSD and the line height keep
    the rest apart."""
    from ocr import degrade
    from ocr.preprocess import prepare

    lines = [Line(f"Dòng thứ {n} của một trang văn bản hành chính dài") for n in range(count)]
    photo = degrade.phone_photo(render_page(lines), random.Random(seed))
    prepared = prepare(photo, 72, dpi_known=False)
    assert "card" not in prepared.facts and "page found, squared up" in prepared.steps


def test_specimen_cards_are_fictional_and_consistent() -> None:
    rng = random.Random(1)
    person = holder(rng)
    from ocr.identifiers import parse_personal_id

    parsed = parse_personal_id(person.personal_id, person.date_of_birth)  # the digits agree with the card
    assert parsed.female == (person.sex == "Nữ")
    image = draw_card(person, "can_cuoc_2024", "back", rng).image
    assert isinstance(image, Image.Image) and image.width > image.height


def test_a_cards_dates_and_fixed_lines_are_given_as_printed() -> None:
    """Small bold dates whose slashes were read as letters or doubled marks are written with their
    slashes (real dates only); the issuing body every card of a model prints is given as printed when
    a cell reads as it with a mark off; a number under a garbled label is not taken for noise."""
    from ocr.regions import garbage_lines

    def word(text: str, line: int = 1, left: int = 0, confidence: float = 50) -> Word:
        return Word(text, confidence, line, left, 100 * line, 20 * len(text), 40)

    for read, printed in (("12I02I2025", "12/02/2025"), ("17I102I12025", "17/02/2025"),
                          ("10/06/I2024", "10/06/2024"), ("1210212025", "12/02/2025"),
                          ("25I04J2022", "25/04/2022")):  # fmt: skip
        assert cards._as_date(word(read)).text == printed
    for kept in ("3110212025", "084065177297", "0101234565", "12/02/2025"):  # no such date / a number
        assert cards._as_date(word(kept)).text == kept
    text = cards.reading_order(
        [word("Ngày,", 1), word("cấp:", 1, 130), word("17I02I2025", 1, 260), word("BÔ", 2, 1200),
         word("CÔNG", 2, 1260), word("AN", 2, 1360)],
        (1800, 1135), cards.Card("can_cuoc_2024", "back"),
    )  # fmt: skip
    assert "17/02/2025" in text and "BỘ CÔNG AN" in text and "BÔ" not in text
    ministry = cards.FIXED_LINES[("can_cuoc_2024", "back")]
    assert cards._as_printed("BỘ CÔNG THƯƠNG", ministry) == "BỘ CÔNG THƯƠNG"  # another body stays
    garbled = [word("Œ*", 3, 0, 27), word("»%*2:066301412055", 3, 60, 0)]
    assert garbage_lines(garbled) == set()


def test_a_photo_cropped_to_the_card_is_read_by_its_template() -> None:
    """No desk round it to find it by: a frame with a card's proportions whose text is a card's is
    the card, read by its template (the fields in their places)."""
    rng = random.Random(3)
    specimen = draw_card(holder(rng), "cccd_2021", "front", rng)
    photo = specimen.image.convert("RGB")
    photo.info["dpi"] = (72, 72)  # a phone's: not believed
    reading = ocr_page(photo, 1, None)
    assert "ID card found" not in (reading.note or "")
    assert reading.facts["card"] == {"model": "cccd_2021", "side": "front"}
    found = understand([(1, reading.text, reading.confidence)])
    for name in ("personal_id", "full_name", "place_of_origin", "place_of_residence"):
        assert found.fields[name].value == specimen.printed[name], (name, reading.text)
    assert not geometry.card_frame(2480, 3508) and not geometry.card_frame(3508, 2480)  # A4 either way


@pytest.mark.parametrize(("slant", "turn"), [((0, 40), 15), ((35, 20), 15), ((-30, -30), 15), ((30, 17), 26)])
def test_a_card_photographed_at_a_slant_is_found(slant: tuple[float, float], turn: int) -> None:
    """Its far side shortened, a card looks squatter (or longer) than a card: its proportions once
    the perspective is undone are a card's, and it is found, squared and read. (30, 17): slanted
    about one axis mostly, the lens cannot be told from the outline (its estimate made the card
    square); any phone's lens gives it a card's proportions."""
    rng = random.Random(5)
    specimen = draw_card(holder(rng), "cccd_2021", "front", rng)
    photo = on_desk(specimen.image, random.Random(1), turn=turn, card_share=0.6, slant=slant)
    quad = geometry.find_card(np.asarray(photo.convert("L")))
    assert quad is not None
    tl, tr, br, bl = quad
    across = np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)
    seen = across / (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr))
    assert not geometry.CARD_ASPECT[0] <= seen <= geometry.CARD_ASPECT[1]  # not a card's shape as seen
    reading = ocr_page(photo, 1, None)
    found = understand([(1, reading.text, reading.confidence)])
    assert found.fields["personal_id"].value == specimen.printed["personal_id"]


def test_a_card_backs_machine_readable_zone_is_read_through_its_check_digits() -> None:
    """The TD1 zone on a chip card's back gives the ID, birth date, sex and expiry, each only when its
    ICAO check digit holds (an 'O' read for a 0 is put back; a digit misread is refused)."""
    from ocr.identifiers import mrz_check_digit

    assert [mrz_check_digit(f) for f in ("L898902C3", "740812", "120415")] == ["6", "2", "9"]  # ICAO's
    back = (
        "Đặc điểm nhân dạng / Personal identification:\nSẹo chấm C: 2cm trên đầu lông mày trái\n"
        "Ngày, tháng, năm / Date, month, year: 17/02/2025\nCỤC TRƯỞNG CỤC CẢNH SÁT\nNgón trỏ trái\n"
    )
    zone = "TDVNMO651772976084065177297<<4\n6502126M2502128VNM<<<<<<<<<<<8\nPHAM<<QUANG<AN<<<<<<<<<<<<<<<<"
    found = understand([(1, back + zone, 90.0)])
    assert found.type == "cccd"
    read = {n: found.fields[n].value for n in ("personal_id", "date_of_birth", "sex", "valid_until")}
    assert read == {"personal_id": "084065177297", "date_of_birth": "1965-02-12", "sex": "Nam",
                    "valid_until": "2025-02-12"}  # fmt: skip
    misread = understand([(1, back + zone.replace("O651772976", "O651772977"), 90.0)])  # check fails
    assert "personal_id" not in misread.fields


def test_an_id_whose_small_label_was_read_as_digits_glued_to_it_is_found() -> None:
    """The card's "Số / No.:", small print in a slanted photo, read as "32" before the number: the
    last 12 digits are the ID when they agree with the card's date of birth, and only then."""
    front = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCĂN CƯỚC CÔNG DÂN\nCitizen Identity Card\n32075182683704\n"
        "Họ và tên / Full name:\nVŨ NGỌC YẾN\nNgày sinh / Date of birth: {born}\nGiới tính / Sex: Nữ\n"
    )
    found = understand([(1, front.format(born="27/12/1982"), 90.0)])
    assert found.type == "cccd" and found.fields["personal_id"].value == "075182683704"
    other_year = understand([(1, front.format(born="27/12/1983"), 90.0)])
    assert "personal_id" not in other_year.fields


@pytest.mark.parametrize(("seed", "share", "turn"), [(11, 0.99, 0), (10, 1.05, 182)])
def test_a_card_photographed_close_filling_the_frame_is_found_and_read(
    seed: int, share: float, turn: int
) -> None:
    """The desk shows above and below the card only, or the frame cuts its ends off: it is still the
    card, squared and read by its template (it was read as a page: rows interleaved, values lost)."""
    rng = random.Random(seed)
    specimen = draw_card(holder(rng), "cccd_2021", "front", rng)
    photo = on_desk(specimen.image, rng, turn=turn, card_share=share)
    reading = ocr_page(photo, 1, None)
    assert "ID card found, squared up" in reading.note and reading.facts["card"]["model"] == "cccd_2021"
    found = understand([(1, reading.text, reading.confidence)])
    for name in ("personal_id", "place_of_residence"):
        assert found.fields[name].value == specimen.printed[name], (name, reading.text)


def test_a_birth_date_in_bold_print_is_read_through_the_cards_other_fields() -> None:
    """Read "1B/08/199B": 15 or 18, 1995 or 1998. The ID's digits say 1995, the expiry (the 40th birthday)
    says 15 August: one date. Where the card's fields leave two, none is guessed. A sex whose label
    lost its colon before the next label's ("Sex Nữ Quốc tịch/ Nationality: ..."), a nationality with
    its last letter lost."""
    front = (
        "CĂN CƯỚC CÔNG DÂN\nCitizen Identity Card\nSố / No: 049195896580\nHọ và tên / Full name:\n"
        "HỒ MINH MAI\nNgày sinh / Date of birth: {born}\nGiới tính/ Sex Nữ Quốc tịch/ Nationality: Việt Nal\n"
        "Có giá trị đến:\nDate of expiry\n{expiry}"
    )
    found = understand([(1, front.format(born="1B/08/199B", expiry="15/08/2035"), 90.0)])
    values = {name: field.value for name, field in found.fields.items()}
    assert values["date_of_birth"] == "1995-08-15"
    assert values["sex"] == "Nữ" and values["nationality"] == "Việt Nam"
    glued = understand([(1, front.format(born="1 510811995", expiry="15/08/2035"), 90.0)])  # slashes as 1
    assert glued.fields["date_of_birth"].value == "1995-08-15"
    unsure = understand([(1, front.format(born="1B/08/199B", expiry="Không thời hạn"), 90.0)])
    assert "date_of_birth" not in unsure.fields


def test_a_birth_year_misread_is_the_one_the_id_and_the_expiry_agree_on() -> None:
    front = (
        "CĂN CƯỚC CÔNG DÂN\nCitizen Identity Card\nSố / No: 001191012345\n"
        "Họ và tên / Full name:\nLÊ THU YẾN\n"
        "Ngày sinh / Date of birth: 08/11/1994\nGiới tính / Sex: Nữ\nCó giá trị đến: {expiry}"
    )
    agreed = understand([(1, front.format(expiry="08/11/2031"), 90.0)])  # the 40th birthday of 1991
    assert agreed.fields["date_of_birth"].value == "1991-11-08"
    assert agreed.fields["personal_id"].confidence > 0.8  # no longer contradicted (halved: 0.44)
    alone = understand([(1, front.format(expiry="09/11/2031"), 90.0)])  # the expiry does not agree
    assert alone.fields["date_of_birth"].value == "1994-11-08"


def test_a_birth_year_that_cannot_be_is_the_ids() -> None:
    # A card shared small read "1986" as "4986": no one is born in the future; the ID says 1986.
    front = (
        "CĂN CƯỚC CÔNG DÂN\nSố / No: {id}\nHọ và tên / Full name:\nLÊ THU YẾN\n"
        "Ngày sinh / Date of birth: 16/12/4986\nGiới tính / Sex: Nữ"
    )
    found = understand([(1, front.format(id="001186012345"), 90.0)])
    assert found.fields["date_of_birth"].value == "1986-12-16"
    assert found.fields["date_of_birth"].confidence < 0.9
    # An ID that cannot be read for a year leaves the reading as it is, its confidence halved.
    unread = understand([(1, front.format(id="00118601234"), 90.0)])
    assert unread.fields.get("date_of_birth") is None or unread.fields["date_of_birth"].confidence < 0.5


def test_a_sex_left_unread_is_the_one_the_ids_digit_encodes() -> None:
    # "Nữ" in bold print read as "N _": the ID's 4th digit (1: a woman born in the 1900s) says it,
    # where the ID agrees with the birth date read apart from it; a sex read stays as read.
    front = (
        "CĂN CƯỚC CÔNG DÂN\nSố / No: {id}\nHọ và tên / Full name:\nLÊ THU YẾN\n"
        "Ngày sinh / Date of birth: 16/12/1986\nGiới tính / Sex: {sex} Quốc tịch / Nationality: Việt Nam"
    )
    found = understand([(1, front.format(id="001186012345", sex="N _"), 90.0)])
    assert found.fields["sex"].value == "Nữ" and found.fields["sex"].source == "default"
    assert found.fields["sex"].confidence < found.fields["personal_id"].confidence
    man = understand([(1, front.format(id="001086012345", sex="N _"), 90.0)])
    assert man.fields["sex"].value == "Nam"
    # An ID whose year contradicts the birth date may be misread: its sex digit is not taken.
    unsure = understand([(1, front.format(id="001185012345", sex="N _"), 90.0)])
    assert "sex" not in unsure.fields
    read = understand([(1, front.format(id="001186012345", sex="Nữ"), 90.0)])
    assert read.fields["sex"].value == "Nữ" and read.fields["sex"].source == "text"


@pytest.mark.parametrize("label", ["Số", "°ố", "ố"])
def test_an_old_cards_number_is_found_when_its_red_label_reads_as_a_mark(label: str) -> None:
    front = f"GIẤY CHỨNG MINH NHÂN DÂN\n{label} 184930019\nHọ tên: ĐỖ THU MAI\nSinh ngày: 22-10-2004"
    assert understand([(1, front, 90.0)]).fields["number"].value == "184930019"


def test_a_given_name_closed_by_a_stop_gets_the_tone_its_letters_need() -> None:
    # Bold capitals lose marks: "NGOC" (a syllable closed by c always has a tone) is Ngọc, "DUC"
    # Đức; a name whose letters spell two ("NHAT": Nhật, Nhất) or read with a tone stays as read.
    front = "CĂN CƯỚC CÔNG DÂN\nSố / No: 001186012345\nHọ và tên / Full name:\n{name}\nGiới tính / Sex: Nữ"
    for read, name in [
        ("NGUYỄN NGOC MAI", "Nguyễn Ngọc Mai"),
        ("TRAN DUC THANG", "Trần Đức Thang"),
        ("PHAM NHAT LINH", "Phạm Nhat Linh"),
        ("LÊ DỤC ANH", "Lê Dục Anh"),
    ]:
        assert understand([(1, front.format(name=read), 90.0)]).fields["full_name"].value == name
    assert cards._name_as_printed("NGUYEN NGOC MAI") == "NGUYỄN NGỌC MAI"


@pytest.mark.parametrize(
    ("read", "value"),
    [("Việt '”", "Việt Nam"), ("Việt N", "Việt Nam"), ("Việt Ne", "Việt Nam"), ("Lào", "Lào")],
)
def test_a_nationality_cut_off_by_the_frame_is_viet_nam(read: str, value: str) -> None:
    front = (
        "CĂN CƯỚC CÔNG DÂN\nSố / No: 001186012345\nHọ và tên / Full name:\nLÊ THU YẾN\n"
        f"Ngày sinh / Date of birth: 16/12/1986\nGiới tính / Sex: Nữ Quốc tịch / Nationality: {read}"
    )
    assert understand([(1, front, 90.0)]).fields["nationality"].value == value


def test_a_mark_read_before_a_card_backs_officer_title_does_not_hide_the_issuer() -> None:
    back = (
        "Dân tộc: Kinh\nTôn giáo: Không\nDẤU VẾT RIÊNG VÀ DỊ HÌNH\n"
        "Sẹo chấm C: 2cm trên trước đầu lông mày trái\nNGÓN TRỎ TRÁI NGÓN TRỎ PHẢI\n"
        "Ngày 09 tháng 10 năm 2015\n| GIÁM ĐỐC CÔNG AN TỈNH NGHỆ AN\nTrần Văn Minh"
    )
    found = understand([(1, back, 90.0)])
    assert found.type == "cmnd"
    assert (
        found.fields["issuer"].value == "CÔNG AN TỈNH NGHỆ AN"
        and found.fields["signer"].value == "Trần Văn Minh"
    )


def test_a_street_named_after_a_person_gets_its_surnames_accents() -> None:
    from ocr.cards import _streets_as_printed

    assert (
        _streets_as_printed("Số 12 ngõ 45 phố\nNguyên Văn Cừ, Phường 7")
        == "Số 12 ngõ 45 phố\nNguyễn Văn Cừ, Phường 7"
    )
    assert _streets_as_printed("ĐƯỜNG TRÂN HƯNG ĐẠO") == "ĐƯỜNG TRẦN HƯNG ĐẠO"
    # A two-word name can be a pen name ("phố Nguyên Hồng"); "Thôn Đông" is no street of a person.
    for read in ("phố Nguyên Hồng, Đống Đa", "Số 8 đường Lê Lợi", "Thôn Đông, Xã Hòa Phong"):
        assert _streets_as_printed(read) == read


def test_a_cards_surname_and_provinces_are_given_their_accents_as_printed() -> None:
    # Bold capitals lose their marks: "BUI" for "BÙI", "Đà Năng" for "Đà Nẵng". A surname and a
    # province are written one way only: the text gets them as printed (the fields did already).
    from ocr.places import places_as_named as _places_as_printed
    from ocr.understand.names import surname_as_printed

    assert [surname_as_printed(w) for w in ("BUI", "Nguyen", "MINH", "TRẦN")] == [
        "BÙI",
        "Nguyễn",
        "MINH",
        "TRẦN",
    ]
    assert (
        _places_as_printed("Phường Hải Châu 1, Quận Hải Châu, Đà Năng")
        == "Phường Hải Châu 1, Quận Hải Châu, Đà Nẵng"
    )
    assert _places_as_printed("XÃ HÒA PHONG, ĐA NANG") == "XÃ HÒA PHONG, ĐÀ NẴNG"
    assert _places_as_printed("Quê quán / Place of origin:") == "Quê quán / Place of origin:"
    # An address wrapped between a province's two words keeps its line break.
    assert _places_as_printed("Quận Hải Châu, Đà\nNăng\nCó giá trị") == "Quận Hải Châu, Đà\nNẵng\nCó giá trị"


def test_the_holders_and_signers_surnames_are_given_their_accents_wherever_they_stand() -> None:
    # Small bold print loses a tilde at whatever scale it is read: on an old CMND the name stands on
    # the label's line, on a back the signer's name under the officer's title.
    from ocr.cards import _surnames_as_printed

    lines = ["Họ tên: NGUYÊN QUANG TUẤN", "Sinh ngày: 01-12-1981", "Nguyên quán: Phường 7, Quận 3"]
    assert _surnames_as_printed(lines) == ["Họ tên: NGUYỄN QUANG TUẤN", *lines[1:]]
    assert _surnames_as_printed(["Họ và tên / Full name:", "TRÂN QUANG DUNG"])[1] == "TRẦN QUANG DUNG"
    back = ["CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", "Nguyên Quốc Hùng"]
    assert _surnames_as_printed(back)[2] == "Nguyễn Quốc Hùng"
    # The first name in mixed case under the title is the signer's; what follows is left as read.
    back = ["GIÁM ĐỐC CÔNG AN TỈNH NGHỆ AN", "Trần Văn Minh", "Nguyen ghi chú"]
    assert _surnames_as_printed(back) == back


def test_text_washed_out_by_a_reflection_on_the_card_is_read() -> None:
    """A lamp's reflection on the laminate leaves the letters under it a fifth as dark as the rest:
    flattening the light restores the paper, not the ink, and tesseract's one threshold lost them.
    A reflection is light added: the ink under it is darkened back by as much as its paper was lit."""
    from ocr.specimen_cards import with_glare

    rng = random.Random(5)
    specimen = draw_card(holder(rng), "cmnd", "front", rng)
    photo = on_desk(specimen.image, random.Random(1), turn=15, card_share=0.6)
    photo = with_glare(photo, random.Random("2-cmnd-front-0"), 0.85)
    reading = ocr_page(photo, 1, None)
    assert reading.facts.get("glare"), reading.note
    text = fold(" ".join(reading.text.split()))
    for name in ("place_of_residence", "full_name", "number"):  # the residence is under the glare
        assert fold(specimen.printed[name]) in text, (name, reading.text)
