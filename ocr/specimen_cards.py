"""Specimen identity cards, drawn for tests and benchmarks: no real person's card is in the project.

Three card models a counter sees, both sides: the chip CCCD (2021), the Căn cước (2024) and the old
CMND. Each is drawn the way the real card prints it - a guilloche background in two colours, the
national emblem, a photo, a QR code or a chip, small bilingual labels with bold values, the machine-
readable zone on the back - so the card reader meets a printed background, a photo and mixed type
sizes, not text on white. ``on_desk`` then photographs a card the way a clerk's phone does: on a
desk, at any rotation, in perspective, under uneven light, as a JPEG that says 72 DPI.

The people are fictional (names, dates, places drawn at random) and their 12-digit numbers follow
the structure of DOMAIN.md (province of birth registration, century-and-sex digit, year of birth).
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFilter

from ocr.identifiers import birth_provinces, compose_personal_id, mrz_check_digit
from ocr.render import _font, nfc

CARD_MM = (85.6, 53.98)  # ISO/IEC 7810 ID-1
DPI = 600
MODELS = ("cccd_2021", "can_cuoc_2024", "cmnd")
SIDES = ("front", "back")

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = {
    "Nam": ("Văn", "Hữu", "Đức", "Minh", "Quang", "Công"),
    "Nữ": ("Thị", "Ngọc", "Thu", "Thanh", "Minh"),
}
GIVEN = {
    "Nam": ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Phúc", "Sơn", "Tuấn"),
    "Nữ": ("Anh", "Chi", "Dung", "Hà", "Hương", "Lan", "Linh", "Mai", "Ngân", "Thảo", "Yến"),
}
PLACES = (
    "Xã Tân Lập, Huyện Đan Phượng, Hà Nội",
    "Phường Ngọc Lâm, Quận Long Biên, Hà Nội",
    "Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng",
    "Phường 7, Quận 3, Thành phố Hồ Chí Minh",
    "Xã Nghi Phong, Huyện Nghi Lộc, Nghệ An",
    "Phường Hải Châu 1, Quận Hải Châu, Đà Nẵng",
    "Xã Quảng Thành, Huyện Quảng Điền, Thừa Thiên Huế",
    "Thị trấn Phú Xuyên, Huyện Phú Xuyên, Hà Nội",
)
STREETS = ("Số 12 ngõ 45 phố Nguyễn Văn Cừ", "Thôn Đông", "Tổ 5", "Số 8 đường Lê Lợi", "Xóm 3")
MARKS = (
    "Nốt ruồi C: 1cm dưới sau mép phải",
    "Sẹo chấm C: 2cm trên trước đầu lông mày trái",
    "Nốt ruồi C: 2cm trên cánh mũi trái",
)


@dataclass
class Holder:
    full_name: str
    sex: str  # Nam | Nữ
    date_of_birth: date
    personal_id: str  # 12 digits (CCCD, Căn cước)
    old_number: str  # 9 digits (CMND)
    place_of_origin: str
    place_of_residence: str
    issue_date: date
    valid_until: date
    mark: str


def holder(rng: random.Random) -> Holder:
    sex = rng.choice(("Nam", "Nữ"))
    born = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
    pid = compose_personal_id(
        rng.choice(sorted(birth_provinces())), born, sex == "Nữ", rng.randint(0, 999999)
    )
    issued = date(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28))
    # The card is renewed at 25, 40 and 60 (valid until the birthday); past 60 it has no expiry.
    age_next = next((a for a in (25, 40, 60) if born.year + a > issued.year), None)
    until = date(born.year + age_next, born.month, born.day) if age_next else date(issued.year + 15, 1, 1)
    return Holder(
        full_name=f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}",
        sex=sex,
        date_of_birth=born,
        personal_id=pid,
        old_number=f"{rng.randint(10, 38):02d}{rng.randint(0, 9_999_999):07d}",
        place_of_origin=rng.choice(PLACES),
        place_of_residence=f"{rng.choice(STREETS)}, {rng.choice(PLACES)}",
        issue_date=issued,
        valid_until=until,
        mark=rng.choice(MARKS),
    )


@dataclass
class Specimen:
    image: Image.Image  # the card itself, RGB at DPI
    model: str
    side: str
    printed: dict[str, str] = field(default_factory=dict)  # field -> value as the card prints it


def _px(x: float, y: float) -> tuple[int, int]:
    return round(x * CARD_MM[0] / 25.4 * DPI), round(y * CARD_MM[1] / 25.4 * DPI)


def _pt(points: float) -> int:
    return round(points / 72 * DPI)


def _background(rng: random.Random, tint: tuple[int, int, int]) -> Image.Image:
    """A guilloche: fine sine waves in two colours over a pale gradient, as security printing has."""
    w, h = _px(1, 1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.empty((h, w, 3), np.float32)
    for c in range(3):
        base[..., c] = 250 - (250 - tint[c]) * (0.5 + 0.5 * xx / w)
    pattern = np.zeros((h, w), np.float32)
    for k in range(3):
        period, amp, phase = rng.uniform(90, 160), rng.uniform(20, 60), rng.uniform(0, 6.3)
        waves = np.sin((yy + amp * np.sin(xx / period + phase)) / (6 + 2 * k))
        pattern = np.maximum(pattern, (waves > 0.93).astype(np.float32))
    line = np.asarray((tint[0] - 40, tint[1] - 30, tint[2] - 10), np.float32)
    base = base * (1 - 0.35 * pattern[..., None]) + line * 0.35 * pattern[..., None]
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def _emblem(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int) -> None:
    x, y = centre
    draw.ellipse(
        (x - radius, y - radius, x + radius, y + radius),
        fill=(200, 30, 30),
        outline=(220, 170, 40),
        width=radius // 6,
    )
    star = [
        (
            x + 0.55 * radius * math.cos(math.radians(-90 + 36 * i)) * (1 if i % 2 == 0 else 0.4),
            y + 0.55 * radius * math.sin(math.radians(-90 + 36 * i)) * (1 if i % 2 == 0 else 0.4),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=(250, 210, 40))


def _photo(image: Image.Image, box: tuple[int, int, int, int], rng: random.Random) -> None:
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = box
    draw.rectangle(box, fill=(235, 238, 242))
    cx, w = (left + right) // 2, right - left
    skin = (rng.randint(180, 215), rng.randint(150, 180), rng.randint(120, 150))
    draw.ellipse((cx - w // 4, top + w // 8, cx + w // 4, top + w // 8 + w * 2 // 3), fill=skin)
    draw.ellipse((cx - w // 4 - 8, top + w // 10, cx + w // 4 + 8, top + w // 3), fill=(30, 25, 25))
    draw.pieslice(
        (left - w // 8, bottom - w // 2, right + w // 8, bottom + w // 2), 180, 360, fill=(40, 50, 70)
    )


def _qr(image: Image.Image, box: tuple[int, int, int, int], data: str) -> None:
    code = segno.make(data, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=8, border=1)
    buffer.seek(0)
    picture = Image.open(buffer).convert("RGB").resize((box[2] - box[0], box[3] - box[1]), Image.NEAREST)
    image.paste(picture, box[:2])


def _chip(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    draw.rounded_rectangle(
        box, radius=(box[2] - box[0]) // 8, fill=(214, 180, 90), outline=(150, 120, 50), width=4
    )
    left, top, right, bottom = box
    for k in (1, 2):
        y = top + k * (bottom - top) // 3
        draw.line((left, y, right, y), fill=(150, 120, 50), width=4)
    draw.line(((left + right) // 2, top, (left + right) // 2, bottom), fill=(150, 120, 50), width=4)


class _Pen:
    def __init__(self, image: Image.Image, family: str = "sans") -> None:
        self.draw = ImageDraw.Draw(image)
        self.family = family

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        weight: str = "regular",
        colour=(25, 25, 35),
        anchor: str = "la",
    ) -> float:
        font = _font(weight, _pt(size), self.family)
        self.draw.text(_px(x, y), nfc(text), fill=colour, font=font, anchor=anchor)
        return font.getlength(nfc(text)) / _px(1, 0)[0]  # width as a share of the card

    def label(
        self,
        x: float,
        y: float,
        text: str,
        value: str | None = None,
        size: float = 6.0,
        value_size: float = 8.5,
        colour=(25, 25, 35),
    ) -> None:
        width = self.text(x, y, text, size)
        if value is not None:
            self.text(x + width + 0.01, y - 0.006, value, value_size, "bold", colour)


def _wrapped(pen: _Pen, x: float, y: float, text: str, size: float, first_x: float | None = None,
             step: float = 0.055) -> None:  # fmt: skip
    """A value wrapped to the card's width, as the card prints a long address: the first line from
    ``first_x`` (after its label), the rest from ``x``."""
    font = _font("bold", _pt(size), pen.family)
    limit = 0.97 * _px(1, 0)[0]
    words, line, start = text.split(), "", first_x if first_x is not None else x
    for word in words:
        candidate = f"{line} {word}".strip()
        if line and _px(start, 0)[0] + font.getlength(nfc(candidate)) > limit:
            pen.text(start, y, line, size, "bold")
            y, line, start = y + step, word, x
        else:
            line = candidate
    pen.text(start, y, line, size, "bold")


def _header(pen: _Pen, centre: float) -> None:
    pen.text(centre, 0.05, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 6.5, "bold", anchor="ma")
    pen.text(centre, 0.11, "Độc lập - Tự do - Hạnh phúc", 6.5, "bold", anchor="ma")
    pen.text(centre, 0.165, "SOCIALIST REPUBLIC OF VIET NAM", 5.0, anchor="ma")
    pen.text(centre, 0.205, "Independence - Freedom - Happiness", 5.0, anchor="ma")


def _mrz(pen: _Pen, h: Holder, number: str) -> None:
    surname, *rest = [_ascii(part) for part in h.full_name.upper().split()]
    sex = "M" if h.sex == "Nam" else "F"
    # TD1 (ICAO Doc 9303 part 5): the document number is the ID's last nine digits, the whole ID
    # in the optional data; each field's check digit, and line 2's composite one, as ICAO gives them.
    first = f"IDVNM{number[-9:]}{mrz_check_digit(number[-9:])}{number}<<{mrz_check_digit(number)}"
    born, expires = f"{h.date_of_birth:%y%m%d}", f"{h.valid_until:%y%m%d}"
    second = f"{born}{mrz_check_digit(born)}{sex}{expires}{mrz_check_digit(expires)}VNM".ljust(29, "<")
    second += mrz_check_digit(first[5:30] + second[0:7] + second[8:15] + second[18:29])
    lines = [first, second, f"{surname}<<{'<'.join(rest)}".ljust(30, "<")[:30]]
    for k, line in enumerate(lines):
        pen.draw.text(
            _px(0.05, 0.68 + 0.1 * k), line, fill=(20, 20, 20), font=_font("regular", _pt(9), "dejavu-mono")
        )


def _through_lens(
    corners: list[list[float]], about_x: float, about_y: float, focal: float
) -> list[list[float]]:
    """Points of a flat card, centred, as a pinhole camera ``focal`` px away sees them once the card
    is tilted by these degrees (the desk's plane turned away from the lens)."""
    a, b = math.radians(about_x), math.radians(about_y)
    seen = []
    for x, y in corners:
        # about the vertical axis, then the horizontal one; z towards the desk
        x1, z1 = x * math.cos(b), x * math.sin(b)
        y2, z2 = y * math.cos(a) - z1 * math.sin(a), y * math.sin(a) + z1 * math.cos(a)
        depth = focal + z2
        seen.append([focal * x1 / depth, focal * y2 / depth])
    return seen


def _ascii(text: str) -> str:
    """A name as the machine-readable zone spells it: no tone marks, Đ as D."""
    return "".join(c for c in unicodedata.normalize("NFD", text.replace("Đ", "D")) if c.isascii())


def _fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _front(h: Holder) -> dict[str, str]:
    """What both chip cards print on their front (the 2021 card adds origin, residence, expiry)."""
    return {"personal_id": h.personal_id, "full_name": h.full_name, "date_of_birth": _fmt(h.date_of_birth),
            "sex": h.sex, "nationality": "Việt Nam"}  # fmt: skip


def draw_card(h: Holder, model: str, side: str, rng: random.Random) -> Specimen:
    """One side of one card model for ``h``: the image and the values it prints, by field name."""
    tint = {"cccd_2021": (196, 214, 236), "can_cuoc_2024": (200, 226, 226), "cmnd": (214, 226, 240)}[model]
    image = _background(rng, tint)
    pen, draw = _Pen(image), ImageDraw.Draw(image)
    red = (200, 30, 40)
    printed: dict[str, str] = {}
    if model in ("cccd_2021", "can_cuoc_2024") and side == "front":
        _emblem(draw, _px(0.12, 0.17), _px(0, 0.12)[1])
        _header(pen, 0.55)
        _qr(
            image,
            (*_px(0.83, 0.05), *_px(0.97, 0.05 + 0.14 * CARD_MM[0] / CARD_MM[1])),
            f"SPECIMEN|{h.full_name}",
        )
        _photo(image, (*_px(0.04, 0.36), *_px(0.26, 0.78)), rng)
        if model == "cccd_2021":
            pen.text(0.6, 0.26, "CĂN CƯỚC CÔNG DÂN", 10, "bold", red, anchor="ma")
            pen.text(0.6, 0.335, "Citizen Identity Card", 6, anchor="ma")
            pen.label(0.31, 0.4, "Số / No.:", h.personal_id, value_size=10, colour=(20, 20, 20))
            pen.text(0.31, 0.47, "Họ và tên / Full name:", 6)
            pen.text(0.31, 0.515, h.full_name.upper(), 9, "bold")
            pen.label(0.31, 0.59, "Ngày sinh / Date of birth:", _fmt(h.date_of_birth))
            pen.label(0.31, 0.65, "Giới tính / Sex:", h.sex)
            pen.label(0.58, 0.65, "Quốc tịch / Nationality:", "Việt Nam")
            pen.text(0.31, 0.71, "Quê quán / Place of origin:", 6)
            _wrapped(pen, 0.31, 0.75, h.place_of_origin, 7.5, step=0.048)
            width = pen.text(0.31, 0.856, "Nơi thường trú / Place of residence:", 6)
            _wrapped(pen, 0.31, 0.85, h.place_of_residence, 7, first_x=0.32 + width, step=0.047)
            pen.text(0.03, 0.81, "Có giá trị đến:", 5.5)
            pen.text(0.03, 0.85, "Date of expiry", 5.5)
            pen.text(0.03, 0.9, _fmt(h.valid_until), 7, "bold")
            printed = {
                **_front(h),
                "place_of_origin": h.place_of_origin,
                "place_of_residence": h.place_of_residence,
                "valid_until": _fmt(h.valid_until),
            }
        else:
            pen.text(0.6, 0.26, "CĂN CƯỚC", 11, "bold", red, anchor="ma")
            pen.text(0.6, 0.34, "IDENTITY CARD", 6, anchor="ma")
            pen.text(0.31, 0.41, "Số định danh cá nhân / Personal identification number", 5.5)
            pen.text(0.31, 0.455, h.personal_id, 10, "bold")
            pen.text(0.31, 0.54, "Họ, chữ đệm và tên khai sinh / Surname, middle name and given name", 5.5)
            pen.text(0.31, 0.585, h.full_name.upper(), 9, "bold")
            pen.label(0.31, 0.67, "Ngày, tháng, năm sinh / Date of birth:", _fmt(h.date_of_birth))
            pen.label(0.31, 0.74, "Giới tính / Sex:", h.sex)
            pen.label(0.58, 0.74, "Quốc tịch / Nationality:", "Việt Nam")
            _chip(draw, (*_px(0.06, 0.82), *_px(0.2, 0.97)))
            printed = _front(h)
    elif model == "cccd_2021":  # back
        _chip(draw, (*_px(0.05, 0.07), *_px(0.19, 0.3)))
        pen.text(0.25, 0.07, "Đặc điểm nhân dạng / Personal identification:", 5.5)
        pen.text(0.25, 0.12, h.mark, 7)
        pen.label(0.05, 0.36, "Ngày, tháng, năm / Date, month, year:", _fmt(h.issue_date), value_size=7.5)
        pen.text(0.05, 0.42, "CỤC TRƯỞNG CỤC CẢNH SÁT", 6.5, "bold")
        pen.text(0.05, 0.465, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", 6.5, "bold")
        signer = "Tô Văn Huệ" if rng.random() < 0.5 else "Nguyễn Quốc Hùng"
        pen.text(0.12, 0.6, signer, 7, "bold")
        draw.line((*_px(0.1, 0.56), *_px(0.25, 0.53)), fill=(40, 40, 120), width=5)
        for k, (vi, en) in enumerate(
            (("Ngón trỏ trái", "Left index finger"), ("Ngón trỏ phải", "Right index finger"))
        ):
            x = 0.66 + 0.17 * k
            draw.rectangle((*_px(x, 0.2), *_px(x + 0.15, 0.56)), outline=(120, 120, 140), width=3)
            draw.ellipse((*_px(x + 0.03, 0.25), *_px(x + 0.12, 0.51)), fill=(150, 150, 160))
            pen.text(x + 0.075, 0.58, vi, 4.5, anchor="ma")
            pen.text(x + 0.075, 0.62, en, 4.5, anchor="ma")
        _mrz(pen, h, h.personal_id)
        printed = {
            "issue_date": _fmt(h.issue_date),
            "issuer": "CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
            "signer": signer,
        }
    elif model == "can_cuoc_2024":  # back
        pen.text(0.05, 0.07, "Nơi cư trú / Place of residence:", 5.5)
        _wrapped(pen, 0.05, 0.115, h.place_of_residence, 7.5)
        pen.text(0.05, 0.235, "Nơi đăng ký khai sinh / Place of birth:", 5.5)
        _wrapped(pen, 0.05, 0.28, h.place_of_origin, 7.5)
        pen.label(0.05, 0.4, "Ngày, tháng, năm cấp / Date of issue:", _fmt(h.issue_date), value_size=7.5)
        pen.label(
            0.05, 0.46, "Ngày, tháng, năm hết hạn / Date of expiry:", _fmt(h.valid_until), value_size=7.5
        )
        # The issuing ministry's block, bottom right, clear of the fields.
        pen.text(0.8, 0.515, "BỘ CÔNG AN", 7, "bold", anchor="ma")
        pen.text(0.8, 0.565, "MINISTRY OF PUBLIC SECURITY", 4.5, anchor="ma")
        _emblem(draw, _px(0.8, 0.64), _px(0, 0.045)[1])
        _mrz(pen, h, h.personal_id)
        printed = {
            "place_of_residence": h.place_of_residence,
            "place_of_origin": h.place_of_origin,
            "issue_date": _fmt(h.issue_date),
            "valid_until": _fmt(h.valid_until),
            "issuer": "BỘ CÔNG AN",
        }
    elif side == "front":  # cmnd
        _emblem(draw, _px(0.15, 0.25), _px(0, 0.14)[1])
        _photo(image, (*_px(0.04, 0.48), *_px(0.26, 0.93)), rng)
        pen.text(0.62, 0.05, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 6.5, "bold", anchor="ma")
        pen.text(0.62, 0.11, "Độc lập - Tự do - Hạnh phúc", 6.5, "bold", anchor="ma")
        pen.text(0.62, 0.2, "GIẤY CHỨNG MINH NHÂN DÂN", 9, "bold", red, anchor="ma")
        pen.label(0.45, 0.29, "Số", h.old_number, value_size=10, colour=red)
        pen.label(0.31, 0.4, "Họ tên:", h.full_name.upper(), value_size=8.5)
        pen.label(0.31, 0.5, "Sinh ngày:", f"{h.date_of_birth:%d-%m-%Y}")
        width = pen.text(0.31, 0.6, "Nguyên quán:", 6)
        _wrapped(pen, 0.31, 0.594, h.place_of_origin, 8, first_x=0.32 + width)
        width = pen.text(0.31, 0.75, "Nơi ĐKHK thường trú:", 6)
        _wrapped(pen, 0.31, 0.744, h.place_of_residence, 8, first_x=0.32 + width)
        printed = {
            "number": h.old_number,
            "full_name": h.full_name,
            "date_of_birth": _fmt(h.date_of_birth),
            "place_of_origin": h.place_of_origin,
            "place_of_residence": h.place_of_residence,
        }
    else:  # cmnd back
        pen.label(0.05, 0.07, "Dân tộc:", "Kinh", value_size=8)
        pen.label(0.4, 0.07, "Tôn giáo:", "Không", value_size=8)
        pen.text(0.05, 0.2, "DẤU VẾT RIÊNG VÀ DỊ HÌNH", 7, "bold")
        pen.text(0.05, 0.27, h.mark, 7.5)
        issued = h.issue_date.replace(year=min(h.issue_date.year, 2015))
        pen.text(0.55, 0.45, f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}", 7)
        pen.text(0.7, 0.53, "GIÁM ĐỐC CÔNG AN TỈNH NGHỆ AN", 6.5, "bold", anchor="ma")
        pen.text(0.7, 0.8, "Trần Văn Minh", 7, "bold", anchor="ma")
        for k, label in enumerate(("NGÓN TRỎ TRÁI", "NGÓN TRỎ PHẢI")):
            x = 0.05 + 0.2 * k
            draw.rectangle((*_px(x, 0.45), *_px(x + 0.17, 0.9)), outline=(120, 120, 140), width=3)
            pen.text(x + 0.085, 0.4, label, 5, anchor="ma")
        printed = {  # the date as the CMND prints it, in words
            "issue_date": f"{issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
            "issuer": "CÔNG AN TỈNH NGHỆ AN",
            "signer": "Trần Văn Minh",
        }
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    image.info["dpi"] = (DPI, DPI)
    return Specimen(image, model, side, printed)


def with_glare(photo: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """The photo with a lamp's or a window's reflection on the card's laminate: a soft bright spot,
    washing out to white at ``strength`` 1 at its middle, over a random part of the frame's centre."""
    rgb = np.asarray(photo.convert("RGB"), np.float32)
    h, w = rgb.shape[:2]
    cx, cy = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.7)
    rx, ry = w * rng.uniform(0.08, 0.16), h * rng.uniform(0.08, 0.2)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    spot = strength * np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
    lit = rgb + (255.0 - rgb) * np.minimum(spot, 1.0)[..., None]
    return Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8), "RGB")


def on_desk(
    card: Image.Image,
    rng: random.Random,
    turn: float | None = None,
    card_share: float | None = None,
    slant: tuple[float, float] | None = None,
    light_desk: bool = False,
    wood: bool = False,
) -> Image.Image:
    """A phone photo of the card on a desk: turned by ``turn`` degrees (any, by default random),
    tilted in perspective, the card covering ``card_share`` of the frame's width, uneven light,
    JPEG at 72 DPI. ``slant``: the phone held at a slant instead, (degrees about the frame's
    horizontal, about its vertical), seen through a pinhole lens: the far side shortened.
    ``light_desk``: on a white table or a sheet of paper, nearly as light as the card; ``wood``: on
    a wooden desk, its grain running across the frame."""
    turn = rng.uniform(0, 360) if turn is None else turn
    share = rng.uniform(0.45, 0.75) if card_share is None else card_share
    out_w, out_h = 2000, 1500
    rgb = np.asarray(card.convert("RGB"), np.float32)
    h, w = rgb.shape[:2]
    scale = share * out_w / w
    cx, cy = out_w / 2 + rng.uniform(-80, 80), out_h / 2 + rng.uniform(-60, 60)
    theta = math.radians(turn)
    corners = []
    for x, y in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        x, y = x * scale, y * scale
        jitter = 0.0 if slant else 0.03 * w * scale
        corners.append(
            [
                x * math.cos(theta) + y * math.sin(theta) + rng.uniform(-jitter, jitter),
                -x * math.sin(theta) + y * math.cos(theta) + rng.uniform(-jitter, jitter),
            ]
        )
    if slant:
        corners = _through_lens(corners, *slant, focal=1.2 * out_w)
    corners = [[cx + x, cy + y] for x, y in corners]
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(corners))
    desk = [rng.uniform(50, 120), rng.uniform(40, 100), rng.uniform(30, 80)]
    if light_desk:
        grey = rng.uniform(175, 225)
        desk = [grey + rng.uniform(-8, 8) for _ in range(3)]
    warped = cv2.warpPerspective(rgb, matrix, (out_w, out_h), flags=cv2.INTER_AREA, borderValue=desk)
    if wood:
        # Grain: dark and light streaks along one direction, wavering, in a wood's browns.
        yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
        angle = math.radians(rng.uniform(-20, 20))
        along, across = (
            xx * math.cos(angle) + yy * math.sin(angle),
            yy * math.cos(angle) - xx * math.sin(angle),
        )
        waver = 25 * np.sin(along / rng.uniform(150, 400) + rng.uniform(0, 6))
        grain = np.sin((across + waver) / rng.uniform(4, 12)) + 0.5 * np.sin(
            (across + waver) / rng.uniform(20, 60)
        )
        tone = rng.uniform(90, 160)
        brown = np.array([tone, tone * 0.72, tone * 0.48], np.float32)
        texture = brown * (1 + 0.12 * grain[..., None])
        inside = cv2.warpPerspective(
            np.ones((h, w), np.float32), matrix, (out_w, out_h), flags=cv2.INTER_AREA
        )
        warped = warped * inside[..., None] + texture * (1 - inside[..., None])
    xx = np.mgrid[0:out_h, 0:out_w][1].astype(np.float32)
    light = 1.0 - rng.uniform(0.05, 0.2) * xx / out_w
    lit = warped * light[..., None] + np.random.default_rng(rng.randrange(2**32)).normal(0, 3, warped.shape)
    lit = cv2.GaussianBlur(lit, (0, 0), rng.uniform(0.5, 0.9))
    photo = Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8), "RGB")
    data = io.BytesIO()
    photo.save(data, "JPEG", quality=rng.randint(80, 92), dpi=(72, 72))
    data.seek(0)
    return Image.open(data)
