"""Matching labels and digits on OCR text: stray marks, colon slips, letters read for digits."""

from __future__ import annotations

import functools
import re

from ocr.understand.reading import Line

# Words of a phrase, allowing a stray mark OCR puts between two letters ("kết.hôn" for "kết hôn").
_WORDS = r"(?:[a-z ]|(?<=[a-z])[.,'`](?=[a-z]))"
_INNER_MARK = re.compile(r"(?<=\w)[.,'`](?=\w)")


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                                   "i": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2"})  # fmt: skip


def repair_digits(token: str) -> str:
    """Undo OCR's letter-for-digit confusions in a token that is mostly digits."""
    digits = sum(ch.isdigit() for ch in token)
    if digits and digits >= 0.5 * len(token.replace(" ", "")):
        return token.translate(_DIGIT_LOOKALIKES)
    return token


def _after_label(line: Line, labels: tuple[str, ...]) -> int | None:
    for label in labels:
        match = _label_pattern(label).search(line.folded)
        if match:
            return match.end()
    return None


@functools.cache
def _label_pattern(label: str) -> re.Pattern[str]:
    """A label at a word start and a word end ("nguyen quan", the old card's place of origin, is not
    in the name "NGUYỄN QUANG" read without its tilde); its closing colon may come out of OCR as '.',
    ';' or '-'."""
    body = re.escape(label[:-1]) + r"\s?[:.;\-]" if label.endswith(":") else re.escape(label) + r"(?![a-z])"
    return re.compile(r"(?<![a-z0-9])" + body)


# An English gloss after a Vietnamese label ("Họ và tên / Full name:"), often garbled by OCR.
# The 2024 card's are longer: "Họ, chữ đệm và tên khai sinh / Surname, middle and given name:".
_ENGLISH_GLOSS = re.compile(r"\s*/\s*[a-z]+(?:,?\s[a-z]+){0,4}\s?[:.;\-]\s*")
