"""Understanding that follows the official layouts, on OCR text as tesseract gives it: the two-column
head of Nghị định 30/2020 read across, words in capitals run together, card labels on a line of
their own, the 2024 card's bilingual labels."""

from __future__ import annotations

import pytest

from ocr.text import respace
from ocr.understand import split_lines, understand

DECISION = """ỦY BAN NHÂN DÂN ˆ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
HUYỆN GIALÂM Độc lập - Tự do - Hạnh phúc
Số: 959/QĐ-UBND Hà Nội, ngày 19 tháng 04 năm 2022
QUYẾT ĐỊNH
Về việc khen thưởng cá nhân có thành tích xuất sắc
CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN GIA LÂM
Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;
QUYẾT ĐỊNH:
Điều 1. Khen thưởng bà Trần Thị Lan (CCCD số 001190012345), thường trú tại Ba Đình.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Đặng Thu Mai"""

BUSINESS = """SỞ KẾ HOẠCH VÀ ĐẦU TƯ HÀNỘI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
NAM
PHÒNG ĐĂNG KÝ KINHDOANH Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP
Mã số doanh nghiệp: 0100109106
Đăng ký lần đầu: ngày 05 tháng 03 năm 2019
TRƯỞNG PHÒNG
Nguyễn Văn Minh"""

MARITAL = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ THANH XUÂN Độc lập - Tự do - Hạnh phúc
Số: 131/UBND-XNTTHN Thanh Xuân, ngày 20 tháng 06 năm 2021
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Họ, chữ đệm, tên: Đặng Hữu Phúc
Ngày, tháng, năm sinh: 28/05/1955
Số định danh cá nhân: 001190012345
Giấy này được cấp để: làm thủ tục đăng ký kết hôn.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Đặng Thị Lan"""

CARD_2021 = """CĂN CƯỚC CÔNG DÂN
Số / No.: 001190012345
Họ và tên / Full name:
NGUYỄN THỊ HƯƠNG
Ngày sinh / Date of birth: 12/03/1990
Có giá trị đến / Date of expiry: 12/03/2030"""

CARD_2024 = """CĂN CƯỚC
IDENTITY CARD
Số định danh cá nhân / Personal identification number:
001190012345
Họ, chữ đệm và tên khai sinh / Surname, middle and given name:
NGUYỄN THỊ HƯƠNG
Ngày, tháng, năm sinh / Date of birth: 12/03/1990"""


def _fields(text: str) -> tuple[str | None, dict[str, str]]:
    reading = understand([(1, text, 95.0)])
    return reading.type, {name: f.value for name, f in reading.fields.items()}


def test_decision_head_in_two_columns_and_the_person_in_article_one() -> None:
    kind, fields = _fields(DECISION)
    assert kind == "decision"
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN HUYỆN GIA LÂM"
    assert fields["number"] == "959/QĐ-UBND" and fields["issue_date"] == "2022-04-19"
    assert fields["full_name"] == "Trần Thị Lan" and fields["personal_id"] == "001190012345"
    assert fields["signer"] == "Đặng Thu Mai"


def test_enterprise_certificate_issuer_over_two_lines_with_the_motto_wrapped() -> None:
    # Nghị định 30/2020: the issuer is the body that issued it, not its parent above it.
    _, fields = _fields(BUSINESS)
    assert fields["issuer"] == "PHÒNG ĐĂNG KÝ KINH DOANH"
    assert fields["tax_code"] == "0100109106"


def test_marital_status_certificate_of_the_2020_form() -> None:
    kind, fields = _fields(MARITAL)
    assert kind == "marital_status_certificate"
    assert fields["issuer"] == "ỦY BAN NHÂN DÂN XÃ THANH XUÂN"
    assert fields["issue_date"] == "2021-06-20" and fields["valid_until"] == "2021-12-20"
    assert fields["scope"] == "Làm thủ tục đăng ký kết hôn"


@pytest.mark.parametrize("card", [CARD_2021, CARD_2024])
def test_id_cards_with_the_name_under_its_label(card: str) -> None:
    kind, fields = _fields(card)
    assert kind == "cccd"
    assert fields["full_name"] == "Nguyễn Thị Hương"
    assert fields["personal_id"] == "001190012345" and fields["date_of_birth"] == "1990-03-12"


def test_columns_split_keeps_body_lines_whole() -> None:
    body = "Điều 2. Bộ phận Một cửa tiếp nhận hồ sơ, Hà Nội, ngày 5 tháng 6 năm 2025 là hạn cuối."
    assert [line.text for line in split_lines([(1, body, 90.0)])] == [body]


@pytest.mark.parametrize(
    ("read", "meant"),
    [("HÀNỘI", "HÀ NỘI"), ("KINHDOANH", "KINH DOANH"), ("BANNHÂN", "BAN NHÂN"), ("CHÍMINH", "CHÍ MINH"),
     ("LÊCHÂN", "LÊ CHÂN"), ("UBND", "UBND"), ("TNHH", "TNHH"), ("NGHIÊNG", "NGHIÊNG"), ("Hànội", "Hànội"),
     ("QĐ-UBND", "QĐ-UBND"),
     # An English word on a card stays whole ("I DEN TI TY CARD" matched no title); Vietnam's own don't.
     ("IDENTITY CARD", "IDENTITY CARD"), ("MINISTRY", "MINISTRY"), ("VIETNAM", "VIET NAM"),
     ("HANOI", "HA NOI")],
)  # fmt: skip
def test_respace(read: str, meant: str) -> None:
    assert respace(read) == meant
