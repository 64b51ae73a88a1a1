"""ID cards read by their template: which card model and side it is, and its text in the order the
card's layout gives it.

A squared card (``ocr.geometry.find_card``) read page-wise comes out in tesseract's block order: on a
card front the photo column (with the expiry date under the photo) and the fields column interleave
row by row ("Có giá trị đến: Xã Nghi Phong, ..."), so a label's value lands after another label. The
card models fix where things are: the photo column on the left of every front, the fields to its
right, each field's value beside or under its label. Read by that template, the text is the fields
column row by row, then the photo column: every label followed by its own value.

Models (front and back): chip CCCD (2021), Căn cước (2024), CMND. Told apart by the words only one
of them prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from difflib import SequenceMatcher

import numpy as np

from ocr.engine import REREAD_MAX, Recognition, Word, median_height, read_alone, with_words, words_by_line
from ocr.places import places_as_named
from ocr.text import fold, known_word
from ocr.understand.fields import CARD_DATE_SEPARATORS, CARD_SIGNING_TITLE, CARD_SLASH_MARKS
from ocr.understand.names import given_name_as_printed, is_surname, surname_as_printed

# (model, side) -> phrases (folded) only that side prints; the first model with two of them, or one
# when no other model has any, is the card.
MODELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("cccd_2021", "front"): ("can cuoc cong dan", "citizen identity card", "place of origin", "que quan"),
    ("cccd_2021", "back"): ("dac diem nhan dang", "ngon tro", "cuc canh sat", "date, month, year"),
    ("can_cuoc_2024", "front"): (
        "identity card",
        "ho, chu dem va ten",
        "so dinh danh ca nhan",
        "personal identification number",
    ),
    ("can_cuoc_2024", "back"): (
        "noi cu tru",
        "noi dang ky khai sinh",
        "nam het han",
        "date of issue",
        "bo cong an",
    ),
    ("cmnd", "front"): ("chung minh nhan dan", "nguyen quan", "dkhk"),
    ("cmnd", "back"): ("dau vet rieng", "ton giao", "di hinh"),
}
# Blocks a card prints beside its fields column, as shares of the card (left, top, right, bottom):
# fronts the photo column on the left (the expiry under the photo), the Căn cước's back the
# ministry's block on the right, the CCCD's back the fingerprint boxes. Read after the fields column,
# each block on its own, so a row of the card never mixes a field with the block beside it.
BLOCKS: dict[tuple[str, str], tuple[tuple[float, float, float, float], ...]] = {
    ("cccd_2021", "front"): ((0.0, 0.3, 0.29, 1.0),),
    ("can_cuoc_2024", "front"): ((0.0, 0.3, 0.29, 1.0),),
    ("cmnd", "front"): ((0.0, 0.3, 0.29, 1.0),),
    ("can_cuoc_2024", "back"): ((0.62, 0.49, 1.0, 0.67),),
    ("cccd_2021", "back"): ((0.6, 0.0, 1.0, 0.7),),
}

# Lines every card of a model prints alike (the issuing body): a cell read with a tone mark or a
# letter off is the line itself ("BÔ CÔNG AN", "MINISTRY OE PUBLIC SECURITY").
FIXED_LINES: dict[tuple[str, str], tuple[str, ...]] = {
    ("can_cuoc_2024", "back"): ("BỘ CÔNG AN", "MINISTRY OF PUBLIC SECURITY"),
    ("cccd_2021", "back"): ("CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI"),
}
FIXED_LIKENESS = 0.85  # difflib's ratio of the folded texts


@dataclass(frozen=True)
class Card:
    model: str
    side: str


def identify(text: str) -> Card | None:
    """The card model and side whose own phrases the text holds, or None."""
    folded = fold(text)
    scores = {key: sum(phrase in folded for phrase in phrases) for key, phrases in MODELS.items()}
    # "identity card" is in "citizen identity card" too: the 2021 front outranks the 2024 one then.
    if scores[("cccd_2021", "front")] and "citizen identity card" in folded:
        scores[("can_cuoc_2024", "front")] -= 1
    best = max(scores, key=lambda key: scores[key])
    return Card(*best) if scores[best] >= 1 else None


def _rows(words: list[Word], slope: float = 0.0) -> list[list[Word]]:
    """Words grouped into printed rows by the middle of their boxes (levelled by ``slope``, see
    ``_slope``), each row left to right. A word whose box is far taller than the letters' (a name's
    stacked tone marks and a descender read with a speck: "Nguyễn" 99 px high among 39) has its middle
    off its row's: read as a clean word, it joins the row whose middle its box spans (it was a row of
    its own, read after the rest of its address); marks round a picture ("“ba", "=4") do not."""
    if not words:
        return []
    height = median_height(words)
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: _level(w, slope)):
        level = _level(word, slope)
        middle = _middle(rows[-1], slope) if rows else 0.0
        spans = (
            word.height > TALL_WORD * height
            and word.text.strip(",.;:").isalpha()  # a word read clean: no mark of a picture's edge
            and abs(level - middle) <= word.height / 2
        )
        if rows and (abs(level - middle) <= 0.5 * height or spans):
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w.left) for row in rows]


TALL_WORD = 1.8  # times the median word's height


def _level(word: Word, slope: float) -> float:
    """The middle of the word's box, as high as it would be at the card's left edge."""
    return word.top + word.height / 2 - slope * (word.left + word.width / 2)


def _middle(row: list[Word], slope: float) -> float:
    return sum(_level(w, slope) for w in row) / len(row)


# A squared card is level within this (dy/dx, ~4 degrees): more is no slope of its rows but a line
# tesseract ran across two rows.
MAX_ROW_SLOPE = 0.07


def _slope(words: list[Word]) -> float:
    """How far the card's rows climb or fall per pixel across: a card squared a little off level (a
    corner found a few pixels off, or cut off by the frame) has rows that slope, and grouped by their
    words' middles a long row broke into pieces read in the wrong order ("Văn Cừ, Xã Nghi Phong" before
    "Số 12 ngõ 45 phố Nguyễn"). Measured on tesseract's own lines, fitted word by word (median over
    the lines that are one row each): its lines only measure, never group (beside a photo one of them
    can join a label's row and the value's)."""
    slopes = []
    for line in words_by_line(words).values():
        xs = np.array([w.left + w.width / 2 for w in line], float)
        if len(line) < 3 or np.ptp(xs) < 5 * median_height(line):
            continue
        ys = np.array([w.top + w.height / 2 for w in line], float)
        fit = np.polyfit(xs, ys, 1)
        if np.abs(np.polyval(fit, xs) - ys).max() <= 0.25 * median_height(line):  # one row, not two
            slopes.append(float(fit[0]))
    if not slopes:
        return 0.0
    slope = float(np.median(slopes))
    return slope if abs(slope) <= MAX_ROW_SLOPE else 0.0


def reading_order(words: list[Word], size: tuple[int, int], card: Card) -> str:
    """The card's text by its template: the fields column row by row, then each block printed beside
    it (see BLOCKS)."""
    width, height = size
    words = [_as_date(w) for w in words]
    boxes = [
        (round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height))
        for x0, y0, x1, y1 in BLOCKS.get((card.model, card.side), ())
    ]
    blocks: list[list[Word]] = [[] for _ in boxes]
    main: list[Word] = []
    for word in words:
        inside = next((n for n, box in enumerate(boxes) if _within(word, box)), None)
        (main if inside is None else blocks[inside]).append(word)
    # A word there that a line of the fields column runs into (within two letters' height on its
    # row, either side) belongs to that line: a line printed across a block's place stays whole.
    for n, block in enumerate(blocks):
        while joined := [w for w in block if _continued(w, main)]:
            blocks[n] = block = [w for w in block if w not in joined]
            main += joined
    slope = _slope(words)
    lines = [cell for row in _rows(main, slope) if _lettered(row) for cell in _cells(row)]
    for block in blocks:
        if block:
            lines += ["", *(cell for row in _rows(block, slope) if _lettered(row) for cell in _cells(row))]
    fixed = FIXED_LINES.get((card.model, card.side), ())
    lines = [_as_printed(line, fixed) for line in lines]
    lines = _surnames_as_printed(lines)
    return places_as_named(_streets_as_printed("\n".join(lines))).strip()


def _surnames_as_printed(lines: list[str]) -> list[str]:
    """The surnames of the holder's and the signer's names with the accents the list of surnames
    gives them: a card's small bold print loses a tilde or a grave accent ("NGUYÊN", "BUI", "Trân"),
    at whatever scale it is read (tried: each scale loses a different one)."""
    lines = list(lines)
    for n, line in enumerate(lines):
        folded = fold(line)
        if _NAME_LABEL.search(folded):
            # The name after the label's colon on its line (an old CMND's "Họ tên: ..."), or under it.
            label, colon, name = line.rpartition(":")
            if colon and name.split() and _NAME_LABEL.search(fold(label)):
                lines[n] = f"{label}: {_name_as_printed(name.strip())}"
            elif n + 1 < len(lines) and lines[n + 1].split():
                lines[n + 1] = _name_as_printed(lines[n + 1])
        elif CARD_SIGNING_TITLE.match(folded):
            # The signer's name under the title and the signature: the first line in mixed case.
            for m in range(n + 1, min(n + 6, len(lines))):
                words = lines[m].split()
                if words and lines[m] != lines[m].upper() and is_surname(words[0]):
                    lines[m] = _first_as_surname(lines[m])
                    break
    return lines


# A street named after a person by their full name ("phố Nguyễn Văn Cừ", "đường Trần Hưng Đạo"):
# its first word is a surname. Two-word names are left as read: a pen name can open one ("phố
# Nguyên Hồng").
_STREET_OF_A_PERSON = re.compile(r"(?<!\w)(?:pho|duong)\s+(\w+)(?=\s+[^\W\d_]+\s+[^\W\d_]+)")


def _streets_as_printed(text: str) -> str:
    """The surname opening a street's name with the accents it is written with ("phố Nguyên Văn
    Cừ", its tilde lost in bold print, is "phố Nguyễn Văn Cừ")."""
    for found in reversed(list(_STREET_OF_A_PERSON.finditer(fold(text)))):
        start, end = found.span(1)
        text = text[:start] + surname_as_printed(text[start:end]) + text[end:]
    return text


def _first_as_surname(line: str) -> str:
    first, *rest = line.split()
    return " ".join([surname_as_printed(first), *rest])


def _name_as_printed(line: str) -> str:
    """The holder's name, printed in bold capitals, with its surname's accents and its given names'
    tones where their letters say them ("NGUYEN NGOC MAI": "NGUYỄN NGỌC MAI")."""
    first, *rest = _first_as_surname(line).split()
    return " ".join([first, *(given_name_as_printed(word) for word in rest)])


# The label over the holder's name, on every model: "Họ và tên / Full name", "Họ, chữ đệm và tên
# khai sinh / Surname, middle name and given name", "Họ tên".
_NAME_LABEL = re.compile(r"\b(?:ho va ten|ho ten|full name|ho, chu dem va ten)\b")


def _as_printed(line: str, fixed: tuple[str, ...]) -> str:
    """The card's fixed line this cell is a reading of, or the cell as read."""
    folded = fold(line).strip()
    for printed in fixed:
        if SequenceMatcher(None, folded, fold(printed)).ratio() >= FIXED_LIKENESS:
            return printed
    return line


# A card's dates are small bold print: a slash comes out as "I", "l", "|", "J", "]", "!" or "1", or
# as two (such a mark and a 1, a slash and one of those: "17I102I12025", "10/06/I2024", "25I04J2022").
# A card prints no other word of two digits, such a mark, two digits, such a mark and four digits.
_MARK = f"[{re.escape(CARD_SLASH_MARKS)}]"
_SLASH = rf"(?:/(?:{_MARK}|1)?|{_MARK}1?|1)"
_DATE_MISREAD = re.compile(rf"^(\d{{2}}){_SLASH}(\d{{2}}){_SLASH}(\d{{4}})$")


def _as_date(word: Word) -> Word:
    """A word read as a date with its slashes misread, written with its slashes (a real date only)."""
    match = _DATE_MISREAD.match(word.text)
    if not match or re.fullmatch(r"\d{2}/\d{2}/\d{4}", word.text) or not _real_date(*match.groups()):
        return word
    return replace(word, text=f"{match[1]}/{match[2]}/{match[3]}")


def _real_date(day: str, month: str, year: str) -> bool:
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


# A card's dates in small bold print also come out with letters for digits ("26/0B/1975",
# "0BI09I2037": a 5 read as B, slashes as I).
_DIGIT_LETTERS = "BSGZODQ"
_DATE_WITH_LETTERS = re.compile(
    rf"^[\d{_DIGIT_LETTERS}]{{2}}[{re.escape(CARD_DATE_SEPARATORS)}]{{0,2}}[\d{_DIGIT_LETTERS}]{{2}}"
    rf"[{re.escape(CARD_DATE_SEPARATORS)}]{{0,2}}[\d{_DIGIT_LETTERS}]{{4}}$"
)


def reread_dates(image, result: Recognition, *, dpi: int) -> tuple[Recognition, int]:
    """Dates read with letters for digits read again alone, allowed digits and slashes only
    (``engine.read_alone``): the network then gives the digit it saw ("26/0B/1975" -> "2610511975",
    its slashes as 1s). Kept where that is a date (ten characters: slashes at their places; eight:
    none); returns the reading and how many words changed."""
    wanted = [
        i
        for i, w in enumerate(result.words)
        if _DATE_WITH_LETTERS.match(w.text) and any(ch in _DIGIT_LETTERS for ch in w.text)
    ][:REREAD_MAX]
    if not wanted:
        return result, 0
    found = read_alone(image, [(result.words[i], 1.0) for i in wanted], dpi=dpi, allowed="0123456789/")
    words = list(result.words)
    for i, new in zip(wanted, found, strict=True):
        if new and (day := _date_read_alone(new.text)):
            words[i] = replace(words[i], text=day, confidence=new.confidence)
    return with_words(result, words)


def _date_read_alone(text: str) -> str | None:
    """A date a card's word read alone gave, written with its slashes: digits only, its slashes read
    as slashes, as 1s (bold ones look it) or not at all; None where that is no date."""
    match = re.fullmatch(r"(\d{2})[/1]?(\d{2})[/1]?(\d{4})", text)
    return "/".join(match.groups()) if match and _real_date(*match.groups()) else None


# A word tesseract all but gave up on (confidence below this) in a card's line that mixes two columns
# on two baselines: "27/12/2042" under the photo, level with the address's wrapped line, came out "—ớ"
# (11), its box on a part of the date. Read again alone over the whole of its ink, it reads right.
GARBLED_BELOW = 30.0
GARBLED_KEPT = 70.0  # the second reading's confidence, at least
GARBLED_GAP = 0.6  # of the word's height: ink this near along its row is the same word's


def reread_garbled(image, result: Recognition, *, dpi: int) -> tuple[Recognition, int]:
    """Word-sized words read with almost no confidence read again alone, their boxes grown over the
    ink that runs on along their row (up to another word's box); kept where read as one word, sure.
    Returns the reading and how many words changed."""
    height = median_height(result.words) if result.words else 0.0
    garbled = [
        i
        for i, word in enumerate(result.words)
        if word.confidence < GARBLED_BELOW
        and 0.6 * height <= word.height <= 1.6 * height
        and word.width >= 1.5 * word.height
        and any(ch.isalnum() for ch in word.text)
        and not known_word(word.text)  # not a speck, a mark, or a word read right with little confidence
    ][:REREAD_MAX]
    if not garbled:
        return result, 0
    ink = np.asarray(image if image.mode == "L" else image.convert("L")) < 128
    wanted = [(i, _grown(result.words[i], ink, result.words)) for i in garbled]
    found = read_alone(image, [(grown, 1.0) for _, grown in wanted], dpi=dpi, digits=False)
    words = list(result.words)
    for (i, grown), new in zip(wanted, found, strict=True):
        if new is None:
            continue
        # A bold date's slashes read as 1s leave the network unsure of a date it read right.
        if day := _date_read_alone(new.text):
            words[i] = replace(grown, text=day, confidence=max(new.confidence, GARBLED_BELOW))
        elif new.confidence >= GARBLED_KEPT:
            words[i] = replace(grown, text=new.text, confidence=new.confidence)
    return with_words(result, words)


def _grown(word: Word, ink: np.ndarray, words: list[Word]) -> Word:
    """``word`` with its box grown left and right over the runs of ink along its row (broken by gaps
    wider than GARBLED_GAP of its height) that reach it, up to another word's box on its row."""
    top, bottom, left, right = word.top, word.top + word.height, word.left, word.left + word.width
    row = [w for w in words if w is not word and w.top < bottom and w.top + w.height > top]
    lo = max([w.left + w.width for w in row if w.left + w.width <= left], default=0)
    hi = min([w.left for w in row if w.left >= right], default=ink.shape[1])
    gap = max(2, round(GARBLED_GAP * word.height))
    xs = np.nonzero(ink[top:bottom, lo:hi].any(axis=0))[0] + lo
    for run in np.split(xs, np.nonzero(np.diff(xs) > gap)[0] + 1):
        if run.size and run[0] <= right - 1 + gap and run[-1] >= left - gap:
            left, right = min(left, int(run[0])), max(right, int(run[-1]) + 1)
    return replace(word, left=left, width=right - left)


def _within(word: Word, box: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = box
    return (
        word.left >= left
        and word.top >= top
        and word.left + word.width <= right
        and word.top + word.height <= bottom
    )


def _continued(word: Word, others: list[Word]) -> bool:
    middle = word.top + word.height / 2
    return any(
        abs(o.top + o.height / 2 - middle) < 0.5 * word.height
        and min(abs(o.left - (word.left + word.width)), abs(word.left - (o.left + o.width))) < 2 * word.height
        for o in others
    )


def _lettered(row: list[Word]) -> bool:
    """A row with a word of two letters or digits: rows of lone marks are the background's specks or
    the photo's edge read as text, never a card's line."""
    return any(sum(ch.isalnum() for ch in w.text) >= 2 for w in row)


# Words of one row further apart than this many row heights are in different blocks of the card
# (a back's date of issue and, far to its right, the issuing ministry): each block a line of its own.
BLOCK_GAP = 3.0


def _cells(row: list[Word]) -> list[str]:
    height = median_height(row)
    cells: list[list[str]] = [[row[0].text]]
    for before, word in zip(row, row[1:], strict=False):
        if word.left - (before.left + before.width) > BLOCK_GAP * height:
            cells.append([])
        cells[-1].append(word.text)
    return [" ".join(cell) for cell in cells]
