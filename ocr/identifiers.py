"""Identifiers on documents and in manifests: the 12-digit personal ID and the tax / enterprise code.

Personal ID structure (DOMAIN.md): 3-digit birth-registration province code, 1 digit for gender and
century (0/1 -> 1900s, 2/3 -> 2000s, ...; even male, odd female), 2 digits of the birth year, 6 digits.
No check digit is known, so validation is structural. Tax codes are checked by python-stdnum.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.vn import mst

from ocr.text import fold


class InvalidIdentifier(ValueError):
    """The message is safe to show and log: it never repeats the identifier itself."""


@cache
def birth_provinces() -> dict[str, str]:
    with resources.files("ocr.data").joinpath("birth_provinces.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


@cache
def provinces_by_letters() -> dict[str, str]:
    """Each province's name, by its letters without marks ("da nang": "Đà Nẵng"): a name read with
    a mark wrong is put right by it."""
    return {fold(name): name for name in birth_provinces().values()}


@dataclass(frozen=True)
class PersonalId:
    value: str
    province_code: str
    female: bool
    birth_year: int


def parse_personal_id(value: str, date_of_birth: date | None = None) -> PersonalId:
    digits = "".join(value.split())
    if len(digits) != 12 or not digits.isdigit():
        raise InvalidIdentifier(
            "số định danh cá nhân phải gồm đúng 12 chữ số / personal ID must be 12 digits"
        )
    province = digits[:3]
    if province not in birth_provinces():
        raise InvalidIdentifier(
            "mã tỉnh nơi đăng ký khai sinh trong số định danh không tồn tại / unknown province code"
        )
    century_digit = int(digits[3])
    birth_year = 1900 + (century_digit // 2) * 100 + int(digits[4:6])
    if birth_year > date.today().year:
        raise InvalidIdentifier("năm sinh trong số định danh ở tương lai / birth year lies in the future")
    if date_of_birth is not None and date_of_birth.year != birth_year:
        raise InvalidIdentifier(
            "thế kỷ/năm sinh trong số định danh không khớp ngày sinh / ID digits contradict date of birth"
        )
    return PersonalId(digits, province, bool(century_digit % 2), birth_year)


def compose_personal_id(province_code: str, born: date, female: bool, serial: int) -> str:
    """The 12 digits the structure above gives a person born on ``born`` (parse_personal_id's
    inverse): for the specimen people of tests and benchmarks."""
    century = (born.year - 1900) // 100 * 2 + female
    return f"{province_code}{century}{born.year % 100:02d}{serial:06d}"


def mrz_check_digit(field: str) -> str:
    """The check digit ICAO Doc 9303 (part 3, 4.9) gives a machine-readable zone field: digits at
    their value, letters A-Z at 10-35, the filler '<' at 0, weighted 7, 3, 1 in turn, modulo 10.
    (Ten lines: the one maintained MRZ package on PyPI has had no release since 2020.)"""
    total = 0
    for position, char in enumerate(field):
        value = int(char) if char.isdigit() else 0 if char == "<" else ord(char) - ord("A") + 10
        total += value * (7, 3, 1)[position % 3]
    return str(total % 10)


def normalize_tax_code(value: str) -> str:
    try:
        return mst.validate(value)
    except ValidationError as exc:
        raise InvalidIdentifier(
            f"mã số thuế không hợp lệ: {TAX_CODE_PROBLEMS.get(type(exc), 'sai cấu trúc')}"
        ) from None


# python-stdnum says what is wrong in English; people read it in Vietnamese.
TAX_CODE_PROBLEMS = {
    InvalidLength: "phải gồm 10 chữ số (13 với mã đơn vị phụ thuộc)",
    InvalidFormat: "chỉ gồm chữ số (và dấu '-' trước 3 số cuối của đơn vị phụ thuộc)",
    InvalidChecksum: "chữ số kiểm tra không đúng, có thể gõ nhầm một chữ số",
}
