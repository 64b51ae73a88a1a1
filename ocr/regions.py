"""Where the text is on a sparse or noisy page, found before tesseract is asked again.

On a last page or a signature page (one to five lines) the page is mostly paper noise, specks and
stains. Tesseract's page segmentation then either finds no text block at all (an empty page) or
reads the noise as hundreds of characters. Here text lines are found as rows of letter-sized marks
joined side by side; what is not such a row (specks, smudges, a rule, a scanner edge) is noise and
is painted paper, so the second reading sees the lines alone, where they were (the searchable PDF's
text layer stays on them).
"""

from __future__ import annotations

import re
from dataclasses import replace

import cv2
import numpy as np
from PIL import Image

from ocr import geometry
from ocr.engine import (
    Recognition,
    Word,
    median_height,
    printed_length,
    weighted_confidence,
    words_by_line,
)
from ocr.text import fold, in_lexicon, wordlike

# Sizes in inches, so they hold at any resolution: 8-16 pt text has letters 0.04-0.22 in high.
LETTER_HEIGHT = (0.03, 0.3)
LINE_HEIGHT = (0.06, 0.5)
MIN_LINE_WIDTH = 0.25
MIN_LETTERS = 3  # marks in a row before it is taken for text
GARBAGE_CONFIDENCE = 60.0  # a line read this unsure, mostly of non-words, is noise read as text
# Read this unsure, a line must be nearly all words to stay: noise on textured paper reads as short
# syllables ("Lị h vỉ _ TỐ" at 14) that a syllable pattern alone takes for Vietnamese.
NOISE_CONFIDENCE = 50.0
SCATTERED_LINES = 10  # lines on a page before its fragments are judged together
SURE = 90.0  # a fragment read this sure stays (a page number), even on a scattered page
# Digits in a row, as an identifier, a tax code or a date run together print them ("»%*2:066301412055"
# is a card's number under its garbled label): a short line holding one is never taken for noise.
# Not longer runs, nor a long line of them: dot leaders read as "90909090606600.99,99900900..."
_NUMBER = re.compile(r"(?<!\d)\d{8,16}(?!\d)")
NUMBER_LINE_WORDS = 5


def text_lines(gray: Image.Image, dpi: int) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) of the rows of letters on the page, top to bottom."""
    pixels = cv2.GaussianBlur(np.asarray(gray), (3, 3), 0)
    _, ink = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if np.count_nonzero(ink) > 0.2 * ink.size:  # Otsu split paper noise: ink is well below paper
        paper, darkest = np.percentile(pixels, (50, 0.05))
        ink = np.where(pixels < (paper + darkest) / 2, 255, 0).astype(np.uint8)
    count, labels, stats = geometry.components(ink)
    h = stats[:, cv2.CC_STAT_HEIGHT]
    w = stats[:, cv2.CC_STAT_WIDTH]
    area = stats[:, cv2.CC_STAT_AREA]
    letter = (h >= LETTER_HEIGHT[0] * dpi) & (h <= LETTER_HEIGHT[1] * dpi) & (w <= 0.6 * dpi)
    letter &= area >= 0.25 * (0.02 * dpi) ** 2  # not a speck
    letter[0] = False
    letters = (letter[labels] & (ink > 0)).astype(np.uint8)
    # Letters of a word are a letter apart, words a space: joined across, hardly at all down.
    joined = cv2.morphologyEx(
        letters, cv2.MORPH_CLOSE, np.ones((max(3, round(0.02 * dpi)), max(5, round(0.12 * dpi))), np.uint8)
    )
    n, line_labels, line_stats = geometry.components(joined)
    members = np.bincount(line_labels[letters > 0].ravel(), minlength=n) if n else np.zeros(0)
    boxes = []
    for i in range(1, n):
        x, y, bw, bh, _ = line_stats[i]
        if not LINE_HEIGHT[0] * dpi <= bh <= LINE_HEIGHT[1] * dpi or bw < MIN_LINE_WIDTH * dpi:
            continue
        # A row of letters holds many separate marks; a smudge or a rule is one or two.
        marks = len(np.unique(labels[y : y + bh, x : x + bw][letters[y : y + bh, x : x + bw] > 0]))
        if members[i] and marks >= MIN_LETTERS:
            boxes.append((int(x), int(y), int(x + bw), int(y + bh)))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def keep_only(gray: Image.Image, boxes: list[tuple[int, int, int, int]], dpi: int) -> Image.Image:
    """The page with everything outside the text lines painted paper white."""
    pixels = np.asarray(gray)
    out = np.full_like(pixels, 255)
    pad = max(2, round(0.04 * dpi))
    for left, top, right, bottom in boxes:
        box = (slice(max(0, top - pad), bottom + pad), slice(max(0, left - pad), right + pad))
        out[box] = pixels[box]
    return Image.fromarray(out, "L")


# Parts of one line this many word heights apart are judged apart: tesseract runs a row across the
# page (the recipients, and a signature's strokes read as "TƯỜNG, ĐÃ" beside them).
PART_GAP = 4.0
_SYMBOL = re.compile(r"\d|/[A-ZĐ]")


def garbage_parts(words: list[Word]) -> list[int]:
    """The words (their indices) of parts of lines that are noise by ``garbage_lines``' rules although
    the rest of their line is text: characters must sit in rows of letters, and a signature's loops
    beside a line of recipients are in none."""
    height = median_height(words)
    if not height:
        return []
    by_line: dict[int, list[int]] = {}
    for i, word in enumerate(words):
        by_line.setdefault(word.line, []).append(i)
    parts: list[list[int]] = []
    for members in by_line.values():
        members = sorted(members, key=lambda i: words[i].left)
        split = [[members[0]]]
        for before, after in zip(members, members[1:], strict=False):
            if words[after].left - (words[before].left + words[before].width) > PART_GAP * height:
                split.append([])
            split[-1].append(after)
        if len(split) > 1:
            parts.extend(split)
    # A part holding a digit or a document symbol is the page's own, read badly: a table's cell
    # ("DI4+LT+VB2"), a handwritten number before its printed symbol ("Só:s»2Ï/TB-ĐHĐL").
    parts = [part for part in parts if not any(_SYMBOL.search(words[i].text) for i in part)]
    relabelled = [replace(words[i], line=n) for n, part in enumerate(parts) for i in part]
    noise = garbage_lines(relabelled, scattered_page=False)
    return sorted(i for n, part in enumerate(parts) if n in noise for i in part)


# A letter or digit is at least this share of the page's word height tall; its box at least this
# share wide per character. Tesseract gives a seal's or a signature's specks letters ("-uộ." in a
# 4x2 px box, "ê" in 2x2 beside 23 px letters): no printed character is that small beside the rest.
PHANTOM_SHARE = 0.35
SURE_WORD = 90


def phantom_words(words: list[Word]) -> list[int]:
    """The words (their indices) read from specks far smaller than the page's letters (the page's:
    a table's "line" can run across cells of several rows, and its median with them). A word of the
    lexicon read surely stays: tesseract draws a table cell's word a box too small now and then."""
    height = median_height(words)
    found = []
    for i, word in enumerate(words):
        marks = sum(c.isalnum() for c in word.text)
        tiny = word.height < PHANTOM_SHARE * height and word.width < PHANTOM_SHARE * height * marks
        if marks and tiny and not (word.confidence >= SURE_WORD and _a_word(word.text)):
            found.append(i)
    return found


def without_words(result: Recognition, drop: list[int]) -> Recognition:
    """The reading without those words (indices), their lines' text rows written without them."""
    if not drop:
        return result
    gone = set(drop)
    words = [w for i, w in enumerate(result.words) if i not in gone]
    mapped = _row_of_line(result)
    if mapped is None:
        return result  # a text that is not one row per line read: nothing to take out safely
    rows, row_of = mapped
    for i in sorted(gone):
        # Taken out of its row where the row has it as a token (the row may spell it otherwise).
        word, n = result.words[i], row_of[result.words[i].line]
        rows[n] = re.sub(rf"(^|\s){re.escape(word.text)}(?=\s|$)", "", rows[n], count=1).strip()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(rows))
    return Recognition(text.strip(), weighted_confidence(words), words, result.pdf)


def garbage_lines(words: list[Word], scattered_page: bool = True) -> set[int]:
    """Lines tesseract read from noise: unsure, and mostly not words (a seal's ring, a signature's
    loop, specks between lines come out as ``Z [A kộ v z x _m”<``); and, on a page whose "lines" are
    mostly a mark or two (textured paper read as ``LÁI``, ``kề``, ``4%`` one per line), every such
    fragment not read with certainty: characters must sit in rows of letters."""
    by_line = words_by_line(words)
    fragments = {line for line, members in by_line.items() if _fragment(members)}
    scattered = scattered_page and len(by_line) >= SCATTERED_LINES and len(fragments) > 0.5 * len(by_line)
    found = set()
    for line, members in by_line.items():
        # A form's dot leaders are judged neither text nor noise: the line is what else it holds.
        printed = [w for w in members if printed_length(w.text)]
        if not printed:
            found.add(line)  # leaders alone: a fill line, no letters
            continue
        confidence = sum(w.confidence for w in printed) / len(printed)
        # A real line read unsure still reads as words ("2087/QĐ-UBND." at 40); noise does not.
        total = sum(printed_length(w.text) for w in printed)
        words_in_it = sum(printed_length(w.text) for w in printed if wordlike(w.text))
        lexical = sum(printed_length(w.text) for w in printed if _a_word(w.text))
        if len(members) <= NUMBER_LINE_WORDS and any(_NUMBER.search(w.text) for w in members):
            continue  # a long run of digits is a printed number (an identifier, a date): noise has none
        if (
            (confidence < GARBAGE_CONFIDENCE and words_in_it * 2 < total)
            or (confidence < NOISE_CONFIDENCE and lexical < 0.6 * total)
            or (confidence < NOISE_CONFIDENCE / 2 and (lexical < 0.9 * total or len(members) < 3))
            or not lexical  # not one word or number in the row: marks, not letters
            or (scattered and line in fragments and confidence < SURE)
        ):
            found.add(line)
    return found


def _fragment(members: list[Word]) -> bool:
    """A "line" of at most two tokens and six letters or digits: a page number, or a blotch."""
    return len(members) <= 2 and sum(c.isalnum() for w in members for c in w.text) <= 6


def _a_word(token: str) -> bool:
    """A word of the lexicon of two letters or more, an acronym (TTHĐND), or anything with digits (a
    number, a code, an address): what noise rarely reads as."""
    core = "".join(c for c in token if c.isalnum())
    if any(c.isdigit() for c in core):
        return True
    return len(core) >= 2 and (in_lexicon(token) or (core.isupper() and len(core) >= 3))


def _row_of_line(result: Recognition) -> tuple[list[str], dict[int, int]] | None:
    """The text's rows, and the row each line read is on; None when the text is not one row per
    line read (tesseract's own text is: blank rows between its blocks aside)."""
    rows = result.text.split("\n")
    filled = [n for n, row in enumerate(rows) if row.strip()]
    numbers = sorted({w.line for w in result.words})
    if not numbers or len(filled) != len(numbers):
        return None
    return rows, dict(zip(numbers, filled, strict=True))


def without_lines(result: Recognition, lines: set[int]) -> Recognition:
    """The reading with those lines taken out of its text and words (the text layer keeps them)."""
    if not lines:
        return result
    mapped = _row_of_line(result)
    if mapped is not None:
        text_rows, row_of = mapped
        drop = {row_of[line] for line in lines if line in row_of}
        text = "\n".join(row for n, row in enumerate(text_rows) if n not in drop)
        text = re.sub(r"\n{3,}", "\n\n", text)  # the blank rows round what was dropped
    else:
        kept: dict[int, list[str]] = {}
        for word in result.words:
            if word.line not in lines:
                kept.setdefault(word.line, []).append(word.text)
        text = "\n".join(" ".join(ws) for _, ws in sorted(kept.items()))
    words = [w for w in result.words if w.line not in lines]
    return Recognition(text.strip(), weighted_confidence(words), words, result.pdf)


def with_band(result: Recognition, lines: set[int], band: Recognition) -> Recognition:
    """The reading with ``lines`` replaced by the lines of ``band`` (the same rows of the page read
    again on their own), put where the first of them was; lines renumbered in text order. The text
    layer stays the page's."""
    mapped, inserted = _row_of_line(result), _row_of_line(band)
    if mapped is None or inserted is None:
        return result  # a text that is not one row per line read: nothing to splice safely
    rows, row_of = mapped
    band_rows, band_row_of = inserted
    line_at = {row: line for line, row in row_of.items()}
    band_line_at = {row: line for line, row in band_row_of.items()}
    removed = {row_of[n] for n in lines if n in row_of}
    if removed:
        at = min(removed)
    else:  # nothing read there before: before the first line below the band
        top = min((w.top for w in band.words), default=0)
        starts = {n: min(w.top for w in result.words if w.line == n) for n in row_of}
        below = [row_of[n] for n, start in starts.items() if start >= top]
        at = min(below, default=len(rows))
    order: list[tuple[str, int] | None] = []  # each row: a line of the page, of the band, or blank
    band_order = [("band", band_line_at[r]) if r in band_line_at else None for r in range(len(band_rows))]
    for n in range(len(rows)):
        if n == at:
            order += [None, *band_order, None]
        if n not in removed:
            order.append(("page", line_at[n]) if n in line_at else None)
    if at >= len(rows):
        order += [None, *band_order]
    text_rows, number = [], {}
    for entry in order:
        if entry is None:
            text_rows.append("")
            continue
        number[entry] = len(number) + 1
        side, line = entry
        text_rows.append(rows[row_of[line]] if side == "page" else band_rows[band_row_of[line]])
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(text_rows)).strip()
    words = [replace(w, line=number[("page", w.line)]) for w in result.words if w.line not in lines] + [
        replace(w, line=number[("band", w.line)]) for w in band.words
    ]
    words.sort(key=lambda w: w.line)
    return Recognition(text, weighted_confidence(words), words, result.pdf)


def with_lines_replaced(result: Recognition, again: dict[int, list[Word]]) -> Recognition:
    """The reading with each of these lines' words replaced by the same line read again, in place
    (its row of the text, its line number); a line read again as nothing is taken out. The text
    layer stays the page's."""
    result = without_lines(result, {line for line, words in again.items() if not words})
    again = {line: words for line, words in again.items() if words}
    mapped = _row_of_line(result)
    if mapped is None or not again:
        return result  # a text that is not one row per line read: nothing to splice safely
    rows, row_of = mapped
    for line, words in again.items():
        rows[row_of[line]] = " ".join(w.text for w in words)
    words = [w for w in result.words if w.line not in again]
    words += [replace(w, line=line) for line, read in again.items() for w in read]
    words.sort(key=lambda w: w.line)  # stable: each line's words stay in reading order
    return Recognition("\n".join(rows), weighted_confidence(words), words, result.pdf)


def recipients_before_signature(result: Recognition, width: int) -> Recognition:
    """The foot of an official document in the reading order Nghị định 30/2020 lays it out: the
    recipients ("Nơi nhận:", left half) and then the signature block (right half), which tesseract
    now and then reads the other way round or row by row across both. Only where the foot is two
    columns (no line runs across the middle); the words stay as read, only their order changes."""
    mapped = _row_of_line(result)
    if mapped is None:
        return result  # the text is not one row per line read: leave it
    rows, row_of = mapped
    by_line = words_by_line(result.words)
    numbers = sorted(by_line)
    middle = width / 2
    bottom = max(w.top + w.height for w in result.words)

    def opens_foot(words: list[Word]) -> bool:
        """'Nơi nhận:' on the left, or a signing title's mark (TL., KT., TM.) on the right."""
        west = fold(" ".join(w.text for w in words if w.left + w.width / 2 < middle))
        east = fold(" ".join(w.text for w in words if w.left + w.width / 2 >= middle))
        # "Nơi nhận:" with its colon: "Nơi nhận hồ sơ: 126 phố Xốm" in the body is an address.
        return bool(re.match(r"^\W*noi nhan\s*[:;.]", west) or re.match(r"^\W*(?:tl|kt|tm|ttl)\s?\.", east))

    # The foot is in the page's lower part: a "Nơi nhận" cited in the body is not it.
    anchors = [
        n for n in numbers if min(w.top for w in by_line[n]) > 0.4 * bottom and opens_foot(by_line[n])
    ]  # fmt: skip
    if not anchors:
        return result
    height = median_height(result.words)
    top = min(min(w.top for w in by_line[n]) for n in anchors) - 0.5 * height  # not the body's last line
    foot = [n for n in numbers if min(w.top for w in by_line[n]) >= top]
    left: list[tuple[int, str]] = []
    right: list[tuple[int, str]] = []
    for n in foot:
        words = sorted(by_line[n], key=lambda w: w.left)
        west = [w for w in words if w.left + w.width / 2 < middle]
        east = [w for w in words if w.left + w.width / 2 >= middle]
        # Words only: a signature's strokes read as marks (":", "=", "l5") lie anywhere between.
        west_words = [w for w in west if wordlike(w.text) and w.confidence >= 40]
        east_words = [w for w in east if wordlike(w.text) and w.confidence >= 40]
        if (
            west_words
            and east_words
            and (east_words[0].left - (west_words[-1].left + west_words[-1].width) < 2 * height)
        ):
            return result  # a line runs across the middle: not two columns
        if west:
            left.append((min(w.top for w in west), " ".join(w.text for w in west)))
        if east:
            right.append((min(w.top for w in east), " ".join(w.text for w in east)))
    ordered = [text for _, text in sorted(left)] + [text for _, text in sorted(right)]
    positions = [row_of[n] for n in foot]
    if ordered == [rows[p] for p in positions]:
        return result
    moved = set(positions)
    kept = [row for n, row in enumerate(rows) if n not in moved]
    at = sum(1 for n in range(min(positions)) if n not in moved)
    # The blank rows between the foot's lines stay where they were: one at most between two lines.
    text = re.sub(r"\n{3,}", "\n\n", "\n".join([*kept[:at], *ordered, *kept[at:]])).strip()
    return Recognition(text, result.confidence, result.words, result.pdf)
