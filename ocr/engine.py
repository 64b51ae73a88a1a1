"""Tesseract as the OCR engine, in-process (tesserocr): one recognition per page gives text, word
confidences and a searchable PDF page."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from ocr.text import fold

LANG = "vie"  # Debian's tesseract-ocr-vie


class EngineMissing(RuntimeError):
    pass


class EngineTimeout(RuntimeError):
    """Tesseract gave up within the time it was given (a page of noise can keep it busy)."""


# Debian's tesseract-ocr-vie puts the model here; TESSDATA_PREFIX overrides (another distribution).
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)
TSV_COLUMNS = "level page_num block_num par_num line_num word_num left top width height conf text"


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
    # Blocks tesseract's layout took for pictures and did not read (left, top, right, bottom): a seal
    # stamped over a signing title in a grey or black-and-white scan takes the title with it.
    pictures: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def line_confidences(self) -> dict[int, float]:
        totals: dict[int, list[float]] = {}
        for word in self.words:
            totals.setdefault(word.line, []).append(word.confidence)
        return {line: sum(c) / len(c) for line, c in totals.items()}


def tessdata() -> str:
    """The folder holding the Vietnamese model, or EngineMissing with the fix."""
    for folder in (os.environ.get("TESSDATA_PREFIX"), *TESSDATA_DIRS):
        if folder and all(Path(folder, f"{part}.traineddata").exists() for part in LANG.split("+")):
            return folder
    raise EngineMissing(
        f"thiếu dữ liệu ngôn ngữ tesseract '{LANG}' / missing model: apt-get install tesseract-ocr-vie"
    )


def check_engine() -> str:
    """Fail loudly, with the fix, when the engine or its Vietnamese model is missing."""
    try:
        import tesserocr
    except ImportError as exc:  # pragma: no cover - a platform without tesserocr's wheel
        raise EngineMissing("tesserocr không cài được / not installed: pip install tesserocr") from exc
    tessdata()
    return tesserocr.tesseract_version().split()[1]


_ENGINES = threading.local()  # one engine per thread: a tesseract API must not be shared across threads


def _engine():
    """Tesseract in-process (tesserocr, over Debian's tessdata): a page costs its recognition only,
    not a process start and a model load, twice (the page and its re-read words). The model is
    loaded once per worker process (and per thread, where the API server re-reads in threads)."""
    api = getattr(_ENGINES, "api", None)
    if api is None:
        import tesserocr  # single-threaded: OMP_THREAD_LIMIT is set by the ocr package

        api = _ENGINES.api = tesserocr.PyTessBaseAPI(path=tessdata(), lang=LANG)
        api.SetVariable("textonly_pdf", "1")  # the text layer only: the page image is laid under it
    return api


def recognize(
    image: Image.Image,
    *,
    dpi: int,
    psm: int = 3,
    want_pdf: bool = True,
    timeout: int = 300,
    allowed: str = "",
) -> Recognition:
    """OCR one page image in one recognition: text, word boxes and confidences and, when asked, a
    text-only PDF page (invisible text at the image's physical size) to lay over the page image.
    ``allowed``: the only characters it may read (any when empty).

    Raises EngineTimeout when tesseract does not finish within ``timeout`` seconds."""
    api = _engine()
    if allowed:
        api.SetVariable("tessedit_char_whitelist", allowed)
    try:
        return _recognized(api, image, dpi=dpi, psm=psm, want_pdf=want_pdf, timeout=timeout)
    finally:
        if allowed:
            # The engine is reused: nothing read after this (a page, its layout) is held to the list.
            api.SetVariable("tessedit_char_whitelist", "")


def _recognized(api, image: Image.Image, *, dpi: int, psm: int, want_pdf: bool, timeout: int) -> Recognition:
    gray = image if image.mode == "L" else image.convert("L")
    api.SetPageSegMode(psm)
    api.SetVariable("user_defined_dpi", str(dpi))
    api.SetVariable("tessedit_create_pdf", "1" if want_pdf else "0")
    pdf = None
    if want_pdf:
        with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
            # The PDF renderer writes a whole document only through ProcessPages, which reads a
            # file: an uncompressed TIFF (encoding a PNG costs more than it saves). The reading
            # stays in the engine for the text and words below.
            source, base = Path(tmp, "page.tif"), str(Path(tmp, "out"))
            gray.save(source)
            done = api.ProcessPages(base, str(source), None, timeout * 1000)
            if done and Path(base + ".pdf").exists():
                pdf = Path(base + ".pdf").read_bytes()
    else:
        api.SetImage(gray)
        api.SetSourceResolution(dpi)
        done = api.Recognize(timeout * 1000)
    if not done:
        api.Clear()
        raise EngineTimeout(f"tesseract stopped after {timeout} s")
    text = unicodedata.normalize("NFC", api.GetUTF8Text() or "").replace("\x0c", "").strip()
    words = _parse_tsv(api.GetTSVText(0) or "")
    pictures = _pictures(api)
    api.Clear()
    return Recognition(
        text=text, confidence=weighted_confidence(words), words=words, pdf=pdf, pictures=pictures
    )


def _pictures(api) -> list[tuple[int, int, int, int]]:
    """The boxes of the blocks the last recognition laid out as pictures (read from its layout, no
    second analysis)."""
    from tesserocr import PT, RIL, iterate_level

    found = []
    iterator = api.GetIterator()
    if iterator is None:
        return found
    for block in iterate_level(iterator, RIL.BLOCK):
        if block.BlockType() in (PT.FLOWING_IMAGE, PT.HEADING_IMAGE, PT.PULLOUT_IMAGE):
            box = block.BoundingBox(RIL.BLOCK)
            if box:
                found.append(tuple(box))
    return found


def _parse_tsv(tsv: str) -> list[Word]:
    words: list[Word] = []
    line_numbers: dict[tuple[str, str, str], int] = {}
    rows = csv.DictReader(
        io.StringIO(tsv), fieldnames=TSV_COLUMNS.split(), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    for row in rows:
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


def words_by_line(words: list[Word]) -> dict[int, list[Word]]:
    """The words of each line, lines in the order their first word comes, words in reading order."""
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return lines


def median_height(words: list[Word]) -> float:
    """The median height of the words' boxes (0 with none): a page's, a row's or a band's line size."""
    heights = sorted(w.height for w in words)
    return heights[len(heights) // 2] if heights else 0


# A form's dot leaders and fill lines ("Họ và tên: ..........", "____"): printed, but no letters.
_LEADER = re.compile(r"[.…_\-–—]{3,}")


def printed_length(text: str) -> int:
    """The characters of a token that count as read text: its dot leaders and fill lines do not
    (tesseract reads them unsure, and a form's would otherwise weigh as much as its words)."""
    return len(_LEADER.sub("", text))


def weighted_confidence(words: list[Word]) -> float:
    total = sum(printed_length(w.text) for w in words)
    if not total:
        return 0.0
    return round(sum(w.confidence * printed_length(w.text) for w in words) / total, 2)


# Words with digits read below this confidence get a second reading of their own box (see below).
REREAD_BELOW = 50.0
REREAD_GAIN = 20.0  # the second reading must be this much surer to replace the first
REREAD_AT_LEAST = 60.0
REREAD_MAX = 12  # per page: a page of noise should not turn into a page of re-reads
ENLARGED = 1.5  # key numbers are also read alone at this scale: a second, independent opinion


def reread_uncertain(image: Image.Image, result: Recognition, *, dpi: int) -> tuple[Recognition, int]:
    """Second reading of doubtful numbers and of key numbers; returns the reading and how many words
    changed.

    Numbers, dates and identifiers are what the repository reuses, and tesseract's page-mode reading
    now and then garbles one in context while the same word read alone comes out right:
    - a digit word read unsure (``647/1983`` read as ``6417/1983`` at confidence 6 on a clean page)
      is replaced by its reading alone when that is clearly surer;
    - key numbers (a date's year, an identifier) can be misread confidently: ``năm 2023`` read as
      ``năm 2025`` at 96 on a scanned certificate made its validity wrong. Each is read alone twice,
      at the page's scale and enlarged; when both readings agree on other digits, they outvote the
      page-mode reading (``_outvoted``).
    All these words go into one tesseract run: their boxes stacked on a white sheet, one per line.
    The searchable PDF's invisible layer keeps the page-mode words; the text, the words and their
    confidences are updated.
    """
    unsure = sorted(
        (i for i, w in enumerate(result.words) if w.confidence < REREAD_BELOW and _has_digit(w.text)),
        key=lambda i: result.words[i].confidence,
    )[:REREAD_MAX]
    keys = _key_numbers(result.words)[:REREAD_MAX]
    # (word, scale) per line of the sheet
    wanted = [(i, 1.0) for i in sorted(set(unsure) | set(keys))] + [(i, ENLARGED) for i in keys]
    if not wanted:
        return result, 0
    found = read_alone(image, [(result.words[i], scale) for i, scale in wanted], dpi=dpi)
    alone = {key: word for key, word in zip(wanted, found, strict=True) if word is not None}
    words = list(result.words)
    adopt: dict[int, Word] = {}  # word index -> the reading that replaces it
    for i in unsure:
        new = alone.get((i, 1.0))
        if new is not None and new.confidence >= max(REREAD_AT_LEAST, words[i].confidence + REREAD_GAIN):
            adopt[i] = new
    for i in keys:
        plain, enlarged = alone.get((i, 1.0)), alone.get((i, ENLARGED))
        if plain is None or enlarged is None or plain.text != enlarged.text:
            continue  # the two readings alone disagree: no majority against the page-mode one
        if min(plain.confidence, enlarged.confidence) < REREAD_AT_LEAST:
            continue
        text = _outvoted(words[i].text, plain.text)
        if text is not None:
            adopt[i] = replace(plain, text=text)
    for i, new in sorted(adopt.items()):
        old = words[i]
        if new.text != old.text:
            words[i] = Word(new.text, new.confidence, old.line, old.left, old.top, old.width, old.height)
    return with_words(result, words)


def read_alone(
    image: Image.Image, words: list[tuple[Word, float]], *, dpi: int, allowed: str = "", digits: bool = True
) -> list[Word | None]:
    """Each word's box read again alone, at its scale (one tesseract run: the boxes stacked on a white
    sheet, one per line); None where it came out split, merged, lost or (``digits``) without a digit."""
    gray = image if image.mode == "L" else image.convert("L")
    crops = []
    for word, scale in words:
        pad = max(4, word.height // 3)
        left, top = max(0, word.left - pad), max(0, word.top - pad)
        right = min(gray.width, word.left + word.width + pad)
        bottom = min(gray.height, word.top + word.height + pad)
        crop = gray.crop((left, top, right, bottom))
        if scale != 1.0:
            crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS)
        crops.append(crop)
    gap = max(c.height for c in crops)
    width, height = max(c.width for c in crops) + 2 * gap, sum(c.height + gap for c in crops) + gap
    sheet = Image.new("L", (width, height), 255)
    bands, y = [], gap
    for crop in crops:
        sheet.paste(crop, (gap, y))
        bands.append((y - gap // 2, y + crop.height + gap // 2))
        y += crop.height + gap
    second = recognize(sheet, dpi=dpi, psm=6, want_pdf=False, allowed=allowed)
    alone: list[Word | None] = []
    for top, bottom in bands:
        found = [w for w in second.words if top <= w.top + w.height / 2 < bottom and _has_alnum(w.text)]
        alone.append(found[0] if len(found) == 1 and (_has_digit(found[0].text) or not digits) else None)
    return alone


def with_words(result: Recognition, words: list[Word]) -> tuple[Recognition, int]:
    """The reading with its words replaced by ``words`` (the same words, some read or spelt
    again), its text and confidence to match; with how many changed."""
    changed = sum(old.text != new.text for old, new in zip(result.words, words, strict=True))
    if not changed:
        return result, 0
    text = replace_words(result.text, result.words, words)
    return Recognition(text, weighted_confidence(words), words, result.pdf), changed


def replace_words(text: str, before: list[Word], after: list[Word]) -> str:
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


def _year(text: str) -> str | None:
    """The year a word holds, when it holds exactly one (``683/2023`` -> 2023)."""
    found = YEAR.findall(text)
    return found[0] if len(found) == 1 else None


_NUMERIC_DATE = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)\d\d(?!\d)")
IDENTIFIER_DIGITS = 9  # old ID cards have 9 digits, personal IDs 12, tax codes 10 or 13


def _key_numbers(words: list[Word]) -> list[int]:
    """Words whose digits the repository relies on: a date's year (``04/06/2023``, or ``2023`` after
    ``năm`` on the same line) and identifiers (a word of 9 or more digits)."""
    found = []
    for i, word in enumerate(words):
        if _digits(word.text) >= IDENTIFIER_DIGITS:
            found.append(i)
        elif _year(word.text) or _FOUR_DIGITS.fullmatch(word.text):
            before = words[i - 1] if i else None
            after_nam = before is not None and before.line == word.line and fold(before.text) == "nam"
            # "năm 2923": four digits after "năm" are a year, misread (a typed 0 read as 9).
            if after_nam or (_year(word.text) and _NUMERIC_DATE.search(word.text)):
                found.append(i)
    return found


def _outvoted(page_text: str, alone_text: str) -> str | None:
    """The word as the two agreeing readings alone have it, when they outvote the page-mode reading:
    a year replaced within the word (its other characters keep their page-mode reading), or an
    identifier with as many digits. None when nothing changes or the readings do not compare."""
    was, year = _year(page_text) or _four_digits(page_text), _year(alone_text)
    if _digits(page_text) < IDENTIFIER_DIGITS:
        return page_text.replace(was, year) if was and year and was != year else None
    if _digits(alone_text) == _digits(page_text) and alone_text != page_text:
        return alone_text
    return None


_FOUR_DIGITS = re.compile(r"\d{4}[.,;)]?")


def _four_digits(text: str) -> str | None:
    return text[:4] if _FOUR_DIGITS.fullmatch(text) else None


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _has_alnum(text: str) -> bool:
    return any(c.isalnum() for c in text)


# Measurements tesseract makes of a page before it reads it: how its text is turned (OSD) and how
# high its lines are (layout analysis). Both run on a copy whose long side is MEASURE_PX: cheap
# (0.1-0.4 s a page), and at that size body text on an A4 scan is still 20-30 px a line.
MEASURE_PX = 1800
# Tesseract's OSD is reliable above a confidence of about 2 (tesseract's own wiki); below, the page
# has too little text, or too small, for it to tell.
OSD_RELIABLE = 2.0


def _osd_engine():
    api = getattr(_ENGINES, "osd", None)
    if api is None:
        import tesserocr

        if not Path(tessdata(), "osd.traineddata").exists():
            return None
        api = _ENGINES.osd = tesserocr.PyTessBaseAPI(path=tessdata(), lang="osd", psm=tesserocr.PSM.OSD_ONLY)
    return api


def _measuring_copy(image: Image.Image, enlarge: float = 1.0) -> tuple[Image.Image, float]:
    gray = image if image.mode == "L" else image.convert("L")
    scale = min(enlarge, MEASURE_PX / max(gray.size))
    if scale < 1.0:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.BILINEAR)
    elif scale > 1.0:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.LANCZOS)
    return gray, scale


def orientation(image: Image.Image, enlarge: float = 1.0) -> tuple[int, float] | None:
    """Degrees counter-clockwise that make the page's text upright, by tesseract's OSD (script and
    orientation detection on the letters' shapes), with its confidence; None when OSD cannot tell
    (no model, too little text). ``enlarge``: the scale at which the page's letters are legible (as
    they are read): OSD on a 70 DPI share's 6 px letters said "upright" of it upside down, at 3.6,
    and right at x1.5 and more (10-12)."""
    api = _osd_engine()
    if api is None:
        return None
    small, _ = _measuring_copy(image, enlarge)
    try:
        api.SetImage(small)
        found = api.DetectOrientationScript()
    except RuntimeError:
        found = None
    finally:
        api.Clear()
    if not found:
        return None
    return int(found["orient_deg"]) % 360, float(found["orient_conf"])


# A page skewed by more than this (degrees, tesseract's own estimate) has its lines measured again
# straightened: a line's upright box grows by its length times the skew's sine (3.5 degrees made a
# 300 DPI scan's lines 176 px high: "827 DPI").
MEASURE_SKEW = 1.0


def line_height(image: Image.Image) -> float | None:
    """The median height in pixels of the page's text lines, as tesseract's layout analysis finds
    them (a line's box: accents above, descenders below); None with fewer than 3 lines."""
    measured = line_measure(image)
    return None if measured is None else measured[0]


def line_measure(image: Image.Image) -> tuple[float, bool] | None:
    """The page's median text line height in pixels (see ``line_height``) and whether most of its
    lines run down the page (it lies on its side); None with fewer than 3 lines."""
    small, scale = _measuring_copy(image)
    found = _line_boxes(small)
    if found is None:
        return None
    boxes, skew = found
    if abs(skew) > MEASURE_SKEW:
        found = _line_boxes(small.rotate(skew, resample=Image.BILINEAR, expand=True, fillcolor=255))
        if found is None:
            return None
        boxes, _ = found
    widths, heights = [w for w, _ in boxes], [h for _, h in boxes]
    sideways = sum(h > w for w, h in boxes) > len(boxes) / 2
    if sideways:
        # Most lines run down the page: it lies on its side (turned upright later). A line's height
        # is then its box's width: its length (1900 px on a sideways 300 DPI scan) made "1200 DPI".
        heights = widths
    heights.sort()
    return heights[len(heights) // 2] / scale, sideways


def _line_boxes(small: Image.Image) -> tuple[list[tuple[int, int]], float] | None:
    """(width, height) of each text line tesseract's layout analysis finds, and the skew it measured
    (degrees counter-clockwise that straighten the page); None with fewer than 3 lines."""
    import tesserocr

    api = _engine()
    boxes, skew = [], 0.0
    try:
        api.SetPageSegMode(tesserocr.PSM.AUTO)
        # Any credible value (layout analysis is in pixels), set both ways: a recognition's
        # user_defined_dpi would otherwise outlive it and make the measure depend on the page before.
        api.SetVariable("user_defined_dpi", "300")
        api.SetImage(small)
        api.SetSourceResolution(300)
        found = api.AnalyseLayout()
        if found is not None:
            skew = math.degrees(found.Orientation()[3])
        while found is not None:
            box = found.BoundingBox(tesserocr.RIL.TEXTLINE)
            if box:
                boxes.append((box[2] - box[0], box[3] - box[1]))
            if not found.Next(tesserocr.RIL.TEXTLINE):
                break
    finally:
        api.Clear()
    return (boxes, skew) if len(boxes) >= 3 else None
