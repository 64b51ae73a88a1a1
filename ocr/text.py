"""Text folding shared by the OCR engine and the understanding stage."""

from __future__ import annotations

import re
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


# A Vietnamese syllable, folded: an initial consonant (or none), a vowel nucleus, a final (or none).
# Tesseract's garbage on noise, seals and specks ("[A", "_m”<", "z", "x") is rarely one.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|ch|nh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
    r"(?:[aeiouy]{1,3})"
    r"(?:ng|nh|ch|[cmnpt])?"
)
_TRIM = ".,;:!?()[]\"'“”‘’-–…/"


def wordlike(token: str) -> bool:
    """Whether a token read off a page looks like text: a Vietnamese syllable, a number or a code
    with digits, or an acronym (UBND, CCCD). Punctuation around it is ignored."""
    core = token.strip(_TRIM)
    if not core:
        return token in {"-", "–", ":", "/"}
    if any(c.isdigit() for c in core):
        return sum(c.isdigit() for c in core) * 2 >= len(core) or "/" in core or "-" in core
    if not all(c.isalpha() or c in "-/." for c in core):
        return False
    if len(core) >= 2 and core.isupper() and core.isascii():
        return True
    return all(_SYLLABLE.fullmatch(fold(part)) for part in re.split(r"[-/.]", core) if part)


def _syllables(folded: str) -> list[str] | None:
    """``folded`` cut into Vietnamese syllables, as few as possible and, of those, with the fewest
    starting with a vowel ("hanoi": "ha noi", not "han oi"); None when it cannot be."""
    best: dict[int, list[str] | None] = {len(folded): []}
    for start in range(len(folded) - 1, -1, -1):
        options = [
            [folded[start:end], *best[end]]
            for end in range(len(folded), start, -1)
            if best.get(end) is not None and _SYLLABLE.fullmatch(folded[start:end])
        ]
        best[start] = (
            min(options, key=lambda p: (len(p), sum(s[0] in "aeiouy" for s in p))) if options else None
        )
    return best[0]


def respace(text: str) -> str:
    """Put back the spaces OCR drops between the syllables of words in capitals ("HÀNỘI", "BAN
    NHÂNDÂN", "KINHDOANH" on tight bold headers): every Vietnamese syllable is a word. A word that is
    a syllable, is not all capitals, has no vowel (UBND, TNHH) or holds anything but letters is
    left as it is."""
    words = []
    for word in text.split(" "):
        if len(word) >= 4 and word.isalpha() and word.isupper():
            folded = fold(word)
            parts = None if _SYLLABLE.fullmatch(folded) else _syllables(folded)
            if parts and len(parts) >= 2:
                cuts, at = [], 0
                for part in parts:
                    cuts.append(word[at : at + len(part)])
                    at += len(part)
                word = " ".join(cuts)
        words.append(word)
    return " ".join(words)
