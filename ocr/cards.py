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

from dataclasses import dataclass

from ocr.engine import Word
from ocr.text import fold

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
    ),  # noqa: E501
    ("can_cuoc_2024", "back"): (
        "noi cu tru",
        "noi dang ky khai sinh",
        "nam het han",
        "date of issue",
        "bo cong an",
    ),  # noqa: E501
    ("cmnd", "front"): ("chung minh nhan dan", "nguyen quan", "dkhk"),
    ("cmnd", "back"): ("dau vet rieng", "ton giao", "di hinh"),
}
# Fronts print the photo on the left: what lies left of this share of the width, below the header
# (this share of the height), is the photo column.
PHOTO_COLUMN = (0.29, 0.3)


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


def _rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into printed rows by the middle of their boxes, each row left to right."""
    if not words:
        return []
    heights = sorted(w.height for w in words)
    tolerance = 0.5 * heights[len(heights) // 2]
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.top + w.height / 2):
        middle = word.top + word.height / 2
        if rows and abs(middle - _middle(rows[-1])) <= tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w.left) for row in rows]


def _middle(row: list[Word]) -> float:
    return sum(w.top + w.height / 2 for w in row) / len(row)


def reading_order(words: list[Word], size: tuple[int, int], card: Card) -> str:
    """The card's text by its template: on a front, the fields column row by row, then the photo
    column; on a back, row by row."""
    width, height = size
    left: list[Word] = []
    main: list[Word] = []
    for word in words:
        in_photo_column = (
            card.side == "front"
            and word.left + word.width < PHOTO_COLUMN[0] * width
            and word.top > PHOTO_COLUMN[1] * height
        )
        (left if in_photo_column else main).append(word)
    # A word there that a line of the fields column continues (within two letters' height on its
    # row) is that line's start: a card printed without a photo column keeps its lines whole.
    while joined := [
        w for w in left
        if any(abs((m.top + m.height / 2) - (w.top + w.height / 2)) < 0.5 * w.height
               and 0 <= m.left - (w.left + w.width) < 2 * w.height for m in main)
    ]:  # fmt: skip
        left = [w for w in left if w not in joined]
        main += joined
    lines = [cell for row in _rows(main) if _lettered(row) for cell in _cells(row)]
    if left:
        lines += ["", *(cell for row in _rows(left) if _lettered(row) for cell in _cells(row))]
    return "\n".join(lines).strip()


def _lettered(row: list[Word]) -> bool:
    """A row with a word of two letters or digits: rows of lone marks are the background's specks or
    the photo's edge read as text, never a card's line."""
    return any(sum(ch.isalnum() for ch in w.text) >= 2 for w in row)


# Words of one row further apart than this many row heights are in different blocks of the card
# (a back's date of issue and, far to its right, the issuing ministry): each block a line of its own.
BLOCK_GAP = 4.0


def _cells(row: list[Word]) -> list[str]:
    height = sorted(w.height for w in row)[len(row) // 2]
    cells: list[list[str]] = [[row[0].text]]
    for before, word in zip(row, row[1:], strict=False):
        if word.left - (before.left + before.width) > BLOCK_GAP * height:
            cells.append([])
        cells[-1].append(word.text)
    return [" ".join(cell) for cell in cells]
