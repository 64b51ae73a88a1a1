"""Tesseract as the OCR engine: one run per page gives text, word confidences and a searchable PDF page."""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

LANG = os.environ.get("SOHOA_OCR_LANG", "vie")


class EngineMissing(RuntimeError):
    pass


@dataclass
class Word:
    text: str
    confidence: float  # 0-100
    line: int  # 1-based line number on the page, in reading order
    left: int
    top: int
    width: int
    height: int


@dataclass
class Recognition:
    text: str
    confidence: float  # 0-100, mean of word confidences weighted by length
    words: list[Word] = field(default_factory=list)
    pdf: bytes | None = None

    @property
    def line_confidences(self) -> dict[int, float]:
        totals: dict[int, list[float]] = {}
        for word in self.words:
            totals.setdefault(word.line, []).append(word.confidence)
        return {line: sum(c) / len(c) for line, c in totals.items()}


def check_engine() -> str:
    """Fail loudly, with the fix, when tesseract or its Vietnamese model is missing."""
    import pytesseract

    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise EngineMissing("tesseract không có trên máy / not installed: apt-get install tesseract-ocr")
    langs = set(pytesseract.get_languages())
    missing = {part for part in LANG.split("+")} - langs
    if missing:
        raise EngineMissing(
            f"thiếu dữ liệu ngôn ngữ tesseract {sorted(missing)} / missing: apt-get install tesseract-ocr-vie"
        )
    return str(pytesseract.get_tesseract_version())


def recognize(
    image: Image.Image, *, dpi: int, psm: int = 3, want_pdf: bool = True, timeout: int = 300
) -> Recognition:
    """OCR one page image with one tesseract run: text, TSV word data and, when asked, a text-only PDF
    page (invisible text at the image's physical size) to lay over the page image."""
    from pytesseract.pytesseract import run_tesseract

    # One thread per tesseract: the page-level pool already keeps every core busy.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        source = Path(tmp, "page.pgm")  # uncompressed: encoding a PNG would cost more than reading it
        image.convert("L").save(source)
        base = str(Path(tmp, "out"))
        config = f"--psm {psm} --dpi {dpi} -c tessedit_create_tsv=1"
        if want_pdf:
            config += " -c textonly_pdf=1"
        run_tesseract(
            str(source),
            base,
            extension="pdf txt" if want_pdf else "txt",
            lang=LANG,
            config=config,
            timeout=timeout,
        )
        text = Path(base + ".txt").read_text(encoding="utf-8")
        words = _parse_tsv(Path(base + ".tsv"))
        pdf = Path(base + ".pdf").read_bytes() if want_pdf else None
    text = unicodedata.normalize("NFC", text).replace("\x0c", "").strip()
    return Recognition(text=text, confidence=_weighted_confidence(words), words=words, pdf=pdf)


def _parse_tsv(path: Path) -> list[Word]:
    words: list[Word] = []
    line_numbers: dict[tuple[str, str, str], int] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("level") != "5" or not (row.get("text") or "").strip():
                continue
            conf = float(row["conf"])
            if conf < 0:
                continue
            key = (row["block_num"], row["par_num"], row["line_num"])
            line = line_numbers.setdefault(key, len(line_numbers) + 1)
            words.append(
                Word(
                    text=unicodedata.normalize("NFC", row["text"]),
                    confidence=conf,
                    line=line,
                    left=int(row["left"]),
                    top=int(row["top"]),
                    width=int(row["width"]),
                    height=int(row["height"]),
                )
            )
    return words


def _weighted_confidence(words: list[Word]) -> float:
    total = sum(len(w.text) for w in words)
    if not total:
        return 0.0
    return round(sum(w.confidence * len(w.text) for w in words) / total, 2)


# Words with digits read below this confidence get a second reading of their own box (see below).
REREAD_BELOW = 50.0
REREAD_GAIN = 20.0  # the second reading must be this much surer to replace the first
REREAD_AT_LEAST = 60.0
REREAD_MAX = 12  # per page: a page of noise should not turn into a page of re-reads


def reread_uncertain(image: Image.Image, result: Recognition, *, dpi: int) -> tuple[Recognition, int]:
    """Second, line-mode reading of doubtful numbers; returns the reading and how many words changed.

    Numbers, dates and identifiers are what the repository reuses, and tesseract's page-mode reading
    now and then garbles one in context (``647/1983`` read as ``6417/1983`` at confidence 6 on a clean
    page) while the same word read alone comes out right and sure. Doubtful are digit words read
    unsure, and words whose years nearly agree with another year on the page (see ``_near_years``).
    All doubtful words of a page go into one tesseract run: their boxes stacked on a white sheet, one
    per line. The searchable PDF's invisible layer keeps the page-mode words; the text, the words and
    their confidences are updated.
    """
    unsure = sorted(
        (i for i, w in enumerate(result.words) if w.confidence < REREAD_BELOW and _has_digit(w.text)),
        key=lambda i: result.words[i].confidence,
    )[:REREAD_MAX]
    pairs = _near_years(result.words)[:REREAD_MAX]
    doubtful = sorted(set(unsure) | {i for pair in pairs for i in pair})
    if not doubtful:
        return result, 0
    gray = image.convert("L")
    crops = []
    for i in doubtful:
        word = result.words[i]
        pad = max(4, word.height // 3)
        left, top = max(0, word.left - pad), max(0, word.top - pad)
        right = min(gray.width, word.left + word.width + pad)
        bottom = min(gray.height, word.top + word.height + pad)
        crops.append(gray.crop((left, top, right, bottom)))
    gap = max(c.height for c in crops)
    width, height = max(c.width for c in crops) + 2 * gap, sum(c.height + gap for c in crops) + gap
    sheet = Image.new("L", (width, height), 255)
    bands, y = [], gap
    for crop in crops:
        sheet.paste(crop, (gap, y))
        bands.append((y - gap // 2, y + crop.height + gap // 2))
        y += crop.height + gap
    second = recognize(sheet, dpi=dpi, psm=6, want_pdf=False)
    again: dict[int, Word] = {}  # word index -> its reading alone
    for i, (top, bottom) in zip(doubtful, bands, strict=True):
        found = [w for w in second.words if top <= w.top + w.height / 2 < bottom and _has_alnum(w.text)]
        if len(found) == 1 and _has_digit(found[0].text):
            again[i] = found[0]  # else split, merged or lost: the first reading stands
    words = list(result.words)
    adopt = {i for i in unsure if i in again and again[i].confidence >= max(
        REREAD_AT_LEAST, words[i].confidence + REREAD_GAIN)}  # fmt: skip
    for i, j in pairs:
        # Read alone, both words surely give one year: that year was misread in one of them.
        if i not in again or j not in again:
            continue
        if min(again[i].confidence, again[j].confidence) < REREAD_AT_LEAST:
            continue
        year = _years(again[i].text)[0]
        if year and year == _years(again[j].text)[0]:
            adopt.update(k for k in (i, j) if _years(words[k].text)[0] != year)
    changed = 0
    for i in sorted(adopt):
        old, new = words[i], again[i]
        if new.text == old.text:
            continue
        words[i] = Word(new.text, new.confidence, old.line, old.left, old.top, old.width, old.height)
        changed += 1
    if not changed:
        return result, 0
    text = _replace_words(result.text, result.words, words)
    return Recognition(text, _weighted_confidence(words), words, result.pdf), changed


def _replace_words(text: str, before: list[Word], after: list[Word]) -> str:
    """Put re-read words into the page text, on their own line: tesseract's text output has one
    non-empty line per TSV line, in the same order (else the first occurrence is replaced)."""
    lines = text.split("\n")
    filled = [n for n, line in enumerate(lines) if line.strip()]
    aligned = len(filled) == len({w.line for w in before})
    for old, new in zip(before, after, strict=True):
        if old.text == new.text:
            continue
        if aligned and 1 <= old.line <= len(filled) and old.text in lines[filled[old.line - 1]]:
            n = filled[old.line - 1]
            lines[n] = lines[n].replace(old.text, new.text, 1)
        else:
            lines = "\n".join(lines).replace(old.text, new.text, 1).split("\n")
    return "\n".join(lines)


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _years(text: str) -> tuple[str | None, int]:
    """The year a word holds, when it holds exactly one (``683/2023`` -> 2023), and how many it holds."""
    found = YEAR.findall(text)
    return (found[0] if len(found) == 1 else None), len(found)


def _near_years(words: list[Word]) -> list[tuple[int, int]]:
    """Pairs of words whose years differ in one digit, each word holding one year.

    A civil-status book number carries its year (``Số: 683/2023``) and the signing line repeats it
    (``năm 2023``); a confident page-mode reading can still turn one of them into ``2025``. Years
    that differ by one digit may also both be right (issued 2023, valid until 2024): the pair is
    only re-read, and changed only when both words, read alone, surely give the same year.
    """
    held = [(i, y) for i, w in enumerate(words) for y, n in [_years(w.text)] if y and n == 1]
    return [
        (i, j)
        for k, (i, a) in enumerate(held)
        for j, b in held[k + 1 :]
        if sum(x != y for x, y in zip(a, b, strict=True)) == 1
    ]


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _has_alnum(text: str) -> bool:
    return any(c.isalnum() for c in text)
