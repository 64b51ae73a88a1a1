"""Text folding shared by the OCR engine and the understanding stage."""

from __future__ import annotations

import unicodedata
from functools import cache


@cache
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    return base.lower() if base.isascii() else ch.lower()


def fold(text: str) -> str:
    """Lowercase ASCII-ish text of the same length: 'Hồ sơ' -> 'ho so'.

    One output character per input character, so positions found in the folded text carry over."""
    return "".join(_fold_char(ch) for ch in unicodedata.normalize("NFC", text))
