"""An address read with a tone mark wrong, written as its units are named (ocr.places)."""

from __future__ import annotations

import pytest

from ocr.places import places_as_named, units_as_named


@pytest.mark.parametrize(
    ("read", "named"),
    [
        # A district wrapped onto the next line, its name read with a hook for no mark.
        ("Xã Nghi Long, Huyện Nghỉ\nLộc, Nghệ An", "Xã Nghi Long, Huyện Nghi\nLộc, Nghệ An"),
        # A commune among its district's: "Hoà Phông" is Hòa Phong of Hòa Vang.
        ("Xã Hoà Phông, Huyện Hòa Vang, Đà Nẵng", "Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng"),
        # Capitals stay capitals.
        (
            "XÃ QUẢNG THÀNH, HUYỆN QUANG ĐIỀN, THỪA THIÊN HUẾ",
            "XÃ QUẢNG THÀNH, HUYỆN QUẢNG ĐIỀN, THỪA THIÊN HUẾ",
        ),
        ("Phường Phúc Xa, Quận Ba Đình, Hà Nội", "Phường Phúc Xá, Quận Ba Đình, Hà Nội"),
        # After a q the u is the consonant's: the mark is on the y ("Qùy" is never written).
        ("Xã Châu Quang, Huyện Quy Hợp, Nghệ An", "Xã Châu Quang, Huyện Quỳ Hợp, Nghệ An"),
    ],
)
def test_a_unit_read_with_a_mark_wrong_is_written_as_named(read: str, named: str) -> None:
    assert units_as_named(read) == named


@pytest.mark.parametrize(
    "read",
    [
        "Phường 7, Quận 3, Thành phố Hồ Chí Minh",  # numbered units: no name to put right
        "Xã Hoà Phong, Huyện Hoà Vang, Đà Nẵng",  # the mark on the other vowel: the same name
        "Xã Đồng Xuân, Huyện Không Có",  # "Đông Xuân" and "Đồng Xuân" both exist; no district known
        "Xã Nghi Phong, Huyện Nghi Lộc, Nghệ An",  # no such commune in the list: left as read
        "Số 12 ngõ 45 phố Nguyễn Văn Cừ",  # no unit named
    ],
)
def test_an_address_the_list_cannot_tell_is_left_as_read(read: str) -> None:
    assert units_as_named(read) == read


@pytest.mark.parametrize(
    ("read", "named"),
    [
        # The frame cut the line's end, or its last letters were misread: the district's province.
        ("Phường Ngọc Lâm, Quận Long Biên, Hà Nộ", "Phường Ngọc Lâm, Quận Long Biên, Hà Nội"),
        (
            "Phường Ngọc Lâm, Quận Long Biên, Hà NỢ\nNơi thường trú",
            "Phường Ngọc Lâm, Quận Long Biên, Hà Nội\nNơi thường trú",
        ),
        ("Xã Nghi Phong, Huyện Nghi Lộc, Tỉnh Nghệ A", "Xã Nghi Phong, Huyện Nghi Lộc, Tỉnh Nghệ An"),
        ("QUẬN LONG BIÊN, HÀ NỘ", "QUẬN LONG BIÊN, HÀ NỘI"),
        # Not that district's province, or not close enough to it: as read.
        ("Huyện Long Biên, Hải Dương", "Huyện Long Biên, Hải Dương"),
        ("Quận Long Biên, Hà", "Quận Long Biên, Hà"),
        ("Huyện Nghi Lộc, Xóm 5", "Huyện Nghi Lộc, Xóm 5"),
    ],
)
def test_a_province_cut_off_after_its_district_is_written_as_named(read: str, named: str) -> None:
    assert places_as_named(read) == named
