"""Vietnam's administrative units by name: an address read with a tone mark wrong ("Huyện Nghỉ Lộc",
"Xã Hoà Phông") written as the unit is named ("Huyện Nghi Lộc", "Xã Hòa Phong").

The units are those of the three-level system (province, district, commune) that every card issued
before July 2025 prints, from the ``vietnam-provinces`` package's data (General Statistics Office
codes). A name is put right only where its letters without marks name one unit alone: among the
districts of the province the address ends with, or the communes of the district it names, and
across the country only where no two units share those letters (460 of 6,444 commune names do:
"Đông Xuân" and "Đồng Xuân"). Where nothing is known, the text stays as read.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache

from ocr.identifiers import provinces_by_letters
from ocr.text import fold

# The words that open a unit's name, folded, by level (a "thành phố" can be a province's or a
# district's: the province is put right elsewhere, by ocr.cards).
_WARD_WORDS = ("xa", "phuong", "thi tran")
_DISTRICT_WORDS = ("huyen", "quan", "thi xa", "thanh pho")
_PROVINCE_PREFIX = re.compile(r"^(?:Tỉnh|Thành phố) ")
_UNIT_PREFIX = re.compile(r"^(?:Xã|Phường|Thị trấn|Huyện|Quận|Thị xã|Thành phố) ")
_UNIT = re.compile(rf"(?<!\w)({'|'.join(_WARD_WORDS + _DISTRICT_WORDS)})\s+")
MAX_NAME_WORDS = 5

# A tone mark on an open "oa", "oe", "uy" sits on either vowel ("Hoà", "Hòa"): the same name either
# way, and the unit list writes both. Names are compared, and written, with it on the first vowel;
# an address read with it on the second is left as read. After a q the u is the consonant's: "Quỳ",
# "Quá" are written one way only.
_SECOND_VOWEL_MARKED = re.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ])(?!\w)")


def _one_placement(name: str) -> str:
    def first_marked(match: re.Match) -> str:
        vowel, mark = unicodedata.normalize("NFD", match.group(2))
        return unicodedata.normalize("NFC", match.group(1) + mark) + vowel

    return _SECOND_VOWEL_MARKED.sub(first_marked, name)


@dataclass(frozen=True)
class _Units:
    # province (folded) -> district (folded) -> printed names
    districts: dict[str, dict[str, set[str]]]
    # (province, district) (folded) -> commune (folded) -> printed names
    wards: dict[tuple[str, str], dict[str, set[str]]]
    # across the country: folded -> printed names, districts and communes apart
    all_districts: dict[str, set[str]]
    all_wards: dict[str, set[str]]


@cache
def _units() -> _Units:
    import vietnam_provinces

    rows = json.loads(vietnam_provinces.FLAT_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    districts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    wards: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    all_districts: dict[str, set[str]] = defaultdict(set)
    all_wards: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        province = fold(_PROVINCE_PREFIX.sub("", row["province_name"]))
        district = _one_placement(_UNIT_PREFIX.sub("", row["district_name"]))
        ward = _one_placement(_UNIT_PREFIX.sub("", row["ward_name"]))
        districts[province][fold(district)].add(district)
        wards[province, fold(district)][fold(ward)].add(ward)
        all_districts[fold(district)].add(district)
        all_wards[fold(ward)].add(ward)
    return _Units(districts, wards, all_districts, all_wards)


@cache
def _province_pattern() -> tuple[re.Pattern, dict[str, str]]:
    """A province's name in folded text, and each province's name by its letters without marks."""
    names = provinces_by_letters()
    # A name's words apart by any space: an address wraps between them ("Đà" / "Năng").
    alternatives = "|".join(
        r"\s+".join(map(re.escape, name.split())) for name in sorted(names, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), names


def places_as_named(text: str) -> str:
    """The places of a card's text (origin, residence, issuer) as named: a province read with an
    accent wrong ("Đà Năng", "Ha Nội"), then its districts and communes (``units_as_named``). A name
    wrapped onto the next line stays so."""
    text = _province_after_district(text)
    pattern, names = _province_pattern()
    for found in reversed(list(pattern.finditer(fold(text)))):  # fold keeps every position
        start, end = found.span()
        text = (
            text[:start] + _written_as(text[start:end], names[" ".join(found.group().split())]) + text[end:]
        )
    return units_as_named(text)


# A province's name cut off by the frame or misread at a line's end ("Hà Nộ", "Hà NỢ") after a district
# of it: its letters this alike (difflib's ratio) and the district's province alone that close.
PROVINCE_LIKENESS = 0.8
_AFTER_DISTRICT = re.compile(
    r"(?<!\w)(?:huyen|quan|thi xa|thanh pho)\s+([^,;.\n]+),"  # the district
    r"[ \t]*(?:(?:tinh|thanh pho)\s+)?([^,;.\n]+?)[ \t]*$",  # what closes the line: its province
    re.M,
)


def _province_after_district(text: str) -> str:
    """The province closing an address, read with its end cut off or misread ("Quận Long Biên, Hà
    Nộ"), written as named where the district before it is one of that province's and its letters
    are close to that province's alone (a district's name can be several provinces')."""
    units = _units()
    pattern, names = _province_pattern()
    folded = fold(text)
    for match in reversed(list(_AFTER_DISTRICT.finditer(folded))):
        district, read = " ".join(match.group(1).split()), match.group(2)
        if pattern.fullmatch(read.strip()):
            continue  # a province read right
        close = [
            province
            for province, districts in units.districts.items()
            if district in districts and SequenceMatcher(None, read, province).ratio() >= PROVINCE_LIKENESS
        ]
        if len(close) == 1 and close[0] in names:
            start, end = match.span(2)
            text = text[:start] + _written_as(" ".join(text[start:end].split()), names[close[0]]) + text[end:]
    return text


def _written_as(read: str, name: str) -> str:
    """``name`` in place of ``read``, in its case and with what lies between its words (spaces, a line
    break, a bracket) as read."""
    parts = (name.upper() if read.isupper() else name).split()
    gaps = re.findall(r"[\s()]+", read)
    return parts[0] + "".join(g + p for g, p in zip(gaps, parts[1:], strict=True))


def units_as_named(text: str) -> str:
    """``text`` with each district's and commune's name ("Huyện Nghỉ Lộc") as the unit is named. An
    address names its units from the smallest to the province: a unit is looked for among those of
    the province named after it, a commune among those of the district named after it."""
    folded = fold(text)
    units = _units()
    pattern, _ = _province_pattern()
    provinces = [(m.start(), " ".join(m.group().split())) for m in pattern.finditer(folded)]
    found = []  # (where its name starts, its first words, its level) of each unit named, in order
    for match in _UNIT.finditer(folded):
        level = "ward" if match.group(1) in _WARD_WORDS else "district"
        # The name: its words up to the next comma; an address wraps between them ("Nghi" / "Lộc").
        name = re.match(r"[^,;.]*", folded[match.end() : match.end() + 80]).group()
        words = list(re.finditer(r"[^\s()]+", name))[:MAX_NAME_WORDS]
        if words:
            found.append((match.end(), words, level))
    for start, words, level in reversed(found):
        province = next((name for at, name in provinces if at >= start), None)
        district = None
        if level == "ward":
            # The district named after the commune, before the province.
            later = [(s, w) for s, w, lv in found if s > start and lv == "district"]
            if later:
                district = " ".join(w.group() for w in later[0][1])
        text = _as_named(text, start, words, _candidates(units, level, province, district))
    return text


def _candidates(units: _Units, level: str, province: str | None, district: str | None) -> dict[str, set[str]]:
    """The names a unit of ``level`` can have: within its province (and district) where the address
    names them and the list knows them, else across the country."""
    if level == "district":
        return units.districts.get(province, units.all_districts) if province else units.all_districts
    if province and district:
        # The district as read: its longest first words the province has a district of.
        words = district.split()
        for count in range(len(words), 0, -1):
            if (province, " ".join(words[:count])) in units.wards:
                return units.wards[province, " ".join(words[:count])]
    return units.all_wards


def _as_named(text: str, start: int, words: list[re.Match], names: dict[str, set[str]]) -> str:
    """The longest run of the name's first words that names one unit, written as it is named."""
    for count in range(len(words), 0, -1):
        span = words[:count]
        key = " ".join(w.group() for w in span)
        if key not in names or any(ch.isdigit() for ch in key):
            continue  # "Phường 7": a number, no name to put right
        printed = {_one_placement(n) for n in names[key]}
        if len(printed) != 1:
            return text  # two units written apart by their marks alone: no telling which
        (name,) = printed
        begin, end = start + span[0].start(), start + span[-1].end()
        read = text[begin:end]
        if _one_placement(" ".join(read.split())) == name or len(name.split()) != count:
            return text
        return text[:begin] + _written_as(read, name) + text[end:]
    return text
