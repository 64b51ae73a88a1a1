"""Typewritten pages: told from their word boxes, read again smoothed, and the typewriter's letter
confusions put right by how common each reading is in Vietnamese.

A typewriter strikes each letter on its own with its own ink: strokes come out faint, broken or
filled in, and thin on a Courier-like face. Tesseract's model, trained on print, then drops tone
marks and reads the monospace ``l`` (with its foot serif) as ``L`` or ``t`` ("Độc Lập", "tuật").
A light blur joins broken strokes back up; the remaining ``l`` confusions are words that almost
never occur against words that occur all the time ("tuật" / "luật", "tà" / "là"), which a word
frequency list (wordfreq's Vietnamese, from Wikipedia, subtitles, news and the web) tells apart.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from PIL import Image, ImageFilter

from ocr.engine import Recognition, Word, with_words
from ocr.text import _TRIM
from ocr.text import zipf as _zipf

# Monospace print puts every letter on the same pitch: the width of a word over its letters varies
# by about 1% (median deviation) on typed pages, 4-8% in proportional print.
MONOSPACE_SPREAD = 0.025
MONOSPACE_MIN_WORDS = 20
# A correction needs the new word common (Zipf 4.5: about 30 in a million words) and far more common
# than the word as read (Zipf 1.5 apart: about 30 times).
COMMON = 4.5
MORE_COMMON = 1.5
IN_USE = 3.0  # enough where the reading is no word at all ("Llăm")
# A capital L inside a sentence is kept when a word of address comes first: "chị Lan", "ông Lực".
_ADDRESS = "ông bà anh chị em cô chú bác cháu con cụ dì cậu thím mợ tên là và với của cho gặp bạn"
_BEFORE_NAMES = frozenset(_ADDRESS.split())
_SENTENCE_END = ".!?:;"


def monospaced(words: list[Word]) -> bool:
    """Whether a page's words are set on one pitch, as a typewriter sets them."""
    per_letter = [w.width / len(w.text) for w in words if len(w.text) >= 4 and w.text.isalpha()]
    if len(per_letter) < MONOSPACE_MIN_WORDS:
        return False
    median = statistics.median(per_letter)
    spread = statistics.median(abs(p - median) for p in per_letter) / median
    return spread < MONOSPACE_SPREAD


def smoothed(image: Image.Image, dpi: int) -> Image.Image:
    """The page with its strokes joined: a Gaussian blur of about a third of a typed stroke."""
    return image.filter(ImageFilter.GaussianBlur(dpi / 300))


def _split(token: str) -> tuple[str, str, str]:
    core = token.strip(_TRIM)
    if not core:
        return token, "", ""
    start = token.index(core)
    return token[:start], core, token[start + len(core) :]


def _starts_lower(token: str) -> bool:
    core = token.strip(_TRIM)
    return bool(core) and core[0].isalpha() and core[0].islower()


def _letter_fix(words: list[Word], i: int) -> str | None:
    """The word at ``i`` as a typewriter's ``l`` misread would have it, or None."""
    head, core, tail = _split(words[i].text)
    if len(core) < 2 or not core[1:].isalpha():
        return None
    if core[:2] in ("Ll", "lL", "1L", "1l", "Il") and core[2:].islower():  # one l read twice
        candidate = "l" + core[2:]  # the read is no word at all: a word in use will do
        return head + candidate + tail if _zipf(candidate) >= IN_USE else None
    if core[0] == "t" and core[1:].islower():
        candidate = "l" + core[1:]
        if _zipf(candidate) >= COMMON and _zipf(candidate) - _zipf(core) >= MORE_COMMON:
            return head + candidate + tail
        return None
    if core[0] == "L" and core[1:].islower() and 0 < i < len(words) - 1:
        # Inside a sentence, between lowercase words: a capital there is a misread, unless it is a
        # one-syllable name after a word of address.
        before, after = words[i - 1].text, words[i + 1].text
        if before.rstrip()[-1:] in _SENTENCE_END or not (_starts_lower(before) and _starts_lower(after)):
            return None
        if before.strip(_TRIM).lower() in _BEFORE_NAMES or head:
            return None
        candidate = "l" + core[1:]
        return head + candidate + tail if _zipf(candidate) >= COMMON + 0.5 else None
    return None


def correct_letters(result: Recognition) -> tuple[Recognition, int]:
    """A typed page's reading with its ``l`` misreads put right; returns it and how many changed."""
    words = list(result.words)
    for i, word in enumerate(result.words):
        fixed = _letter_fix(result.words, i)
        if fixed is not None:
            words[i] = replace(word, text=fixed)
    return with_words(result, words)
