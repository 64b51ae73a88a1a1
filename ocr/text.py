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


@cache
def zipf(word: str) -> float:
    """How common a word is in Vietnamese, on wordfreq's Zipf scale: 7 is "là", 3 is once in a
    million words, 0 is never seen."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "vi")


LEXICON_ZIPF = 2.0  # a word seen at least once in ten million words of Vietnamese


def in_lexicon(token: str) -> bool:
    """Whether a token read off a page is a Vietnamese word (wordfreq knows it) or a number/code:
    the signal, needing no ground truth, by which two readings of one page are compared."""
    core = token.strip(_TRIM).lower()
    if not core:
        return False
    if any(c.isdigit() for c in core):
        return wordlike(token)
    return zipf(core) >= LEXICON_ZIPF


# Languages a page in a Vietnamese case file may also be written in (a foreign company's papers).
OTHER_LANGUAGES = ("en", "fr")


_CODE = re.compile(r"[\dA-ZĐ]+(?:[/.\-:,][\dA-ZĐ]+)*")


def known_word(token: str) -> bool:
    """A word of Vietnamese or of another language a case file holds, all letters; or a number or a
    code with two digits at least. Single letters, lone digits and letters mixed with marks
    ("ne#l", "6Œ") are not: noise reads as them."""
    core = token.strip(_TRIM)
    if any(c.isdigit() for c in core):  # digits and capitals between separators: 286/QĐ-VKSTC, 12/02/2025
        return sum(c.isdigit() for c in core) >= 2 and bool(_CODE.fullmatch(core))
    if len(core) < 2 or not core.isalpha():
        return False
    from wordfreq import zipf_frequency

    word = core.lower()
    return zipf(word) >= LEXICON_ZIPF or any(
        zipf_frequency(word, lang) >= LEXICON_ZIPF for lang in OTHER_LANGUAGES
    )


# Vietnamese orthography: a syllable closed by p, t, c or ch carries the sắc or the nặng tone, never
# another or none. Tesseract drops the tone over a hat ("câp giây", "chât lượng"); such a syllable is
# no word, and one of its two possible tones usually makes a common one.
_STOP_FINAL = re.compile(r"(?:p|t|c|ch)$")
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (combining)
_STOP_TONES = ("\u0301", "\u0323")
TONE_MARGIN = 1.0  # Zipf: the tone chosen makes a word ten times as common as the other does
TONE_ON_PAGE = 1.5  # Zipf added for a word read, toned, elsewhere on the same page


def stop_tone(word: str, on_page: frozenset[str] = frozenset()) -> str | None:
    """``word`` (letters only) with the tone its stop final needs, when it lacks it and one of the
    two makes a clearly commoner word (or one found elsewhere on the page, ``on_page``, lower-case);
    None when the word needs nothing or the choice is not clear. Capitals without any mark are
    acronyms (TEC, ASC) and stay."""
    folded = fold(word)
    if not word.isalpha() or not _STOP_FINAL.search(folded) or not _SYLLABLE.fullmatch(folded):
        return None
    if word.isupper() and folded == word.lower():
        return None
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if tones and tones[0] in _STOP_TONES:
        return None
    base = "".join(c for c in decomposed if c not in _TONES)
    scored = []
    for i, c in enumerate(base):
        if c.lower() not in "aeiouy":
            continue
        end = i + 1
        while end < len(base) and unicodedata.combining(base[end]):
            end += 1  # after the vowel's own hat, breve or horn
        for tone in _STOP_TONES:
            candidate = unicodedata.normalize("NFC", base[:end] + tone + base[end:])
            score = zipf(candidate.lower()) + (TONE_ON_PAGE if candidate.lower() in on_page else 0.0)
            scored.append((score, candidate))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < LEXICON_ZIPF:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < TONE_MARGIN:
        return None
    return scored[0][1]


def untoned(word: str) -> str:
    """A word without its tone marks (hats, breves and horns kept): "kiểm" -> "kiêm"."""
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES)
    )


def _syllables(word: str) -> list[str] | None:
    """``word`` cut into Vietnamese syllables, as few as possible; of those, the cut whose syllables
    are most common words ("LÊCHÂN": "LÊ CHÂN", not "LÊC HÂN"), then the one with the fewest
    starting with a vowel ("hanoi": "ha noi", not "han oi"); None when it cannot be."""
    folded = fold(word)
    cuts: dict[int, list[list[int]]] = {len(folded): [[]]}  # start -> the ends of each cut from it
    for start in range(len(folded) - 1, -1, -1):
        cuts[start] = [
            [end, *rest]
            for end in range(len(folded), start, -1)
            if _SYLLABLE.fullmatch(folded[start:end])
            for rest in cuts.get(end, [])
        ][:64]  # a long run of capitals has many cuts: the longest syllables come first
    if not cuts[0]:
        return None

    def parts(ends: list[int]) -> list[str]:
        return [word[a:b] for a, b in zip([0, *ends], ends, strict=False)]

    def rank(ends: list[int]) -> tuple:
        pieces = parts(ends)
        return (
            len(pieces),
            -sum(zipf(p.lower()) for p in pieces),
            sum(fold(p)[0] in "aeiouy" for p in pieces),
        )

    return parts(min(cuts[0], key=rank))


@cache
def _english(word: str) -> bool:
    """An English word in plain letters, commoner in English than in Vietnamese ("IDENTITY",
    "MINISTRY"; not "VIETNAM", "HANOI": their syllables are Vietnamese)."""
    from wordfreq import zipf_frequency

    if not word.isascii():
        return False
    english = zipf_frequency(word.lower(), "en")
    return english >= ENGLISH_ZIPF and english > zipf(word.lower())


ENGLISH_ZIPF = 3.5


def respace(text: str) -> str:
    """Put back the spaces OCR drops between the syllables of words in capitals ("HÀNỘI", "BAN
    NHÂNDÂN", "KINHDOANH" on tight bold headers): every Vietnamese syllable is a word. A word that is
    a syllable, is not all capitals, has no vowel (UBND, TNHH) or holds anything but letters is
    left as it is; so is an English word (a card's "IDENTITY CARD" became "I DEN TI TY")."""
    words = []
    for word in text.split(" "):
        if len(word) >= 4 and word.isalpha() and word.isupper() and not _english(word):
            parts = None if _SYLLABLE.fullmatch(fold(word)) else _syllables(word)
            if parts and len(parts) >= 2:
                word = " ".join(parts)
        words.append(word)
    return " ".join(words)
