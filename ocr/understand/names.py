"""Personal names: after their labels, cleaned of OCR dust, surnames put right."""

from __future__ import annotations

import re

from ocr.text import fold, untoned
from ocr.understand.labels import _ENGLISH_GLOSS, _after_label
from ocr.understand.reading import Line

_NAME_WORD = re.compile(r"^[A-ZÀ-Ỹ][a-zà-ỹA-ZÀ-Ỹ]*$")


# Common Vietnamese surnames: the first word of a name is one of a short, closed list, so an OCR slip
# in its tone mark ('Ngồ' for 'Ngô') can be put right when the letters leave only one candidate.
_SURNAMES: dict[str, str] = {}
for _surname in (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Lâm",
    "Mai",
    "Trịnh",
    "Đoàn",
    "Lương",
    "Cao",
    "Tạ",
    "Hà",
    "Vương",
    "Tô",
    "Kiều",
    "Quách",
    "Thái",
    "Tăng",
    "Chu",
    "Triệu",
    "Lưu",
    "Châu",
    "Phùng",
    "Tôn",
    "Thân",
    "Âu",
    "Diệp",
    "Nghiêm",
    "Khúc",
    "Mạc",
):
    _SURNAMES.setdefault(fold(_surname), _surname)  # 'Võ' and 'Vũ' fold apart: no clash


def _clean_name(raw: str) -> str | None:
    # A name ends where the next label starts ("Năm sinh:", "Giới tính:") or at punctuation.
    raw = re.split(r"\s{2,}|[:;,(]|\s(?:nam sinh|sinh nam|gioi tinh|ngay sinh|chuc danh)\b", raw)[0]
    words = _name_words(raw)
    if not 2 <= len(words) <= 6 or any(ch.isdigit() for ch in raw):
        return None
    words = [w[:1].upper() + w[1:].lower() for w in words]
    words[0] = _SURNAMES.get(fold(words[0]), words[0])
    words[1:] = [given_name_as_printed(word) for word in words[1:]]
    for i in range(1, len(words) - 1):  # middle names
        meant, names = _MIDDLE.get(fold(words[i]), (None, ()))
        if meant and words[i] not in names:
            words[i] = meant
    return " ".join(words)


# Văn and Thị are most people's middle names: a middle word with their letters but a tone mark no name
# has ('Vẫn', 'Thỉ') is one of them misread. Vân and Thi are names of their own and stay.
_MIDDLE = {"van": ("Văn", ("Văn", "Vân")), "thi": ("Thị", ("Thị", "Thi"))}


# Given and middle names closed by p, t, c or ch, by their letters without marks: such a syllable
# always carries a tone (sắc or nặng), so one read without any ("NGOC", "DUC": bold capitals lose
# marks) lost it; these letters name one name each. Left out where two are names ("Nhật"/"Nhất",
# "Thục"/"Thúc").
_STOP_NAMES = {
    fold(name): name
    for name in (
        "Ngọc", "Phúc", "Đức", "Lộc", "Quốc", "Bích", "Đạt", "Phát", "Tất", "Cát", "Thạch", "Trúc",
        "Cúc", "Tuyết", "Nguyệt", "Việt", "Kiệt", "Quyết", "Hiệp", "Diệp", "Lực", "Bắc", "Học",
        "Thiết", "Thuật", "Triết", "Nhạc", "Lạc", "Phước", "Lập", "Hợp", "Tiệp", "Tịch",
    )
}  # fmt: skip


def given_name_as_printed(word: str) -> str:
    """A given or middle name closed by p/t/c/ch read without its tone ("NGOC", "Duc"), with the
    marks of the one name its letters spell, in the case it was read; any other word as it is."""
    name = _STOP_NAMES.get(fold(word))
    if name is None or untoned(word) != word:
        return word  # not such a name, or read with a tone: as read
    return name.upper() if word.isupper() else name


# OCR dust at a name word's edges ("Phạm 'Thanh Hương", "Đỗ Quang Minh _"): never part of a name.
_NAME_DUST = "'`´‘’\"_.,~|*^-"


def _name_words(text: str) -> list[str]:
    return [w for w in (w.strip(_NAME_DUST) for w in text.split()) if w]


# What is left of a name label that carries its English gloss, the name itself printed under it.
LABEL_TAIL = re.compile(r"[^:]*\b(?:name|surname)\b[^:]*:?")


def _name_after(line: Line, labels: tuple[str, ...]) -> str | None:
    at = _after_label(line, labels)
    if at is None:
        return None
    rest = line.text[at:]
    folded_rest = fold(rest)
    if LABEL_TAIL.fullmatch(folded_rest.strip(" :./")):
        return None  # the rest of a longer label ("khai sinh / Surname, middle and given name:")
    gloss = _ENGLISH_GLOSS.match(folded_rest)
    if gloss:  # "Họ và tên / Full name:", the English half garbled by OCR ("/ Full Nme-")
        rest, folded_rest = rest[gloss.end() :], folded_rest[gloss.end() :]
    colon = folded_rest.find(":")
    if 0 <= colon <= 18:  # a longer label than the one matched ("Họ và tên chủ hộ:"): skip past it
        if re.search(r"\b(?:me|cha|vo|chong|ket hon|nguoi)\b", folded_rest[:colon]):
            return None  # another person's name: the mother's, the spouse's
        rest, folded_rest = rest[colon + 1 :], folded_rest[colon + 1 :]
    for stop in (" nam sinh", " gioi tinh", " ngay sinh", " chuc danh", " sinh nam", " sinh ngay"):
        cut = folded_rest.find(stop)
        if cut > 0:
            rest = rest[:cut]
            folded_rest = folded_rest[:cut]
    return _clean_name(rest.strip(" :"))


NAME_LABELS = (
    "ho, chu dem va ten khai sinh", "ho, chu dem, ten:", "ho, chu dem, ten", "ho, chu dem va ten",
    "ho va ten / full name:",
    "ho va ten chu ho:", "ho va ten:", "ho va ten", "ho ten:", "full name:", "cap cho: ong/ba",
    "cap cho: ong", "cap cho: ba", "cap cho ong", "cap cho ba", "cap cho:", "ong/ba:", "ong:", "ba:",
    "chu ho:",
)  # fmt: skip


def without_first_letter(word: str) -> str | None:
    """The surname a word is when its capital was lost under a signature's stroke ("rương" for
    "Trương", "guyễn" for "Nguyễn"): one surname only ends so; None otherwise."""
    if not word[:1].islower() or len(word) < 3:
        return None
    found = {name for folded, name in _SURNAMES.items() if folded[1:] == fold(word)}
    return found.pop() if len(found) == 1 else None


def surname_as_printed(word: str) -> str:
    """A surname read without its accents ("BUI", "Nguyen") with them, in the case it was read;
    any other word as it is."""
    surname = _SURNAMES.get(fold(word))
    if surname is None or word == surname or word == surname.upper():
        return word
    return surname.upper() if word.isupper() else surname


def is_surname(word: str) -> bool:
    """One of the common Vietnamese surnames (accents as read or not)."""
    return fold(word) in _SURNAMES
