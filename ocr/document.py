"""Read one file into pages: keep good text layers, OCR the rest in parallel, assemble a searchable PDF.

The concurrency layer lives here and only here (as in OCRmyPDF): text layers are read in the calling
process; pages to OCR go to a pool of worker processes, one per core, each rendering, preparing and
recognizing its page with a single-threaded tesseract (OMP_THREAD_LIMIT=1). The pool lives as long as
the process that made it, so a batch does not start interpreters for every file. At most two pages
per worker are in flight and results are page texts and small PDF files, so memory stays bounded on
a 500-page PDF.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import multiprocessing.util
import os
import re
import subprocess
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ocr import cards, geometry
from ocr.engine import (
    Recognition,
    Word,
    _engine,
    median_height,
    printed_length,
    recognize,
    reread_uncertain,
    weighted_confidence,
    with_words,
    words_by_line,
)
from ocr.pages import (
    DEFAULT_LIMITS,
    BadInput,
    ImageSource,
    PageLimits,
    PdfSource,
    claimed_dpi,
    image_dpi,
    open_source,
)
from ocr.preprocess import Box, prepare, turned_over
from ocr.regions import (
    garbage_lines,
    garbage_parts,
    keep_only,
    phantom_words,
    recipients_before_signature,
    text_lines,
    with_band,
    with_lines_replaced,
    without_lines,
    without_words,
)
from ocr.text import fold, in_lexicon, known_word, stop_tone, untoned, wordlike
from ocr.typed import correct_letters, monospaced, smoothed

# A page whose first pass yields less than this is read again with other segmentation modes.
SPARSE_CHARS = 40
SPARSE_CONFIDENCE = 60.0
# A page read this poorly, whose orientation evidence was this thin, is also tried upside down.
UNSURE_CONFIDENCE = 70.0
UNSURE_ORIENTATION = 0.25
RETRY_TIMEOUT = 20  # seconds


@dataclass
class PageReading:
    number: int
    method: str  # "text" (born-digital layer) or "ocr"
    confidence: float  # 0-100
    text: str
    width_px: int | None = None
    height_px: int | None = None
    rotation: int = 0
    note: str | None = None  # what preprocessing did, or why a text layer was not used
    lines: list[dict] = field(default_factory=list)  # per-line confidence (OCR pages)
    words: list[dict] = field(default_factory=list)  # per-word text, confidence and box (OCR pages)
    box_size: tuple[int, int] | None = None  # the image the word boxes are in (upright), in pixels
    facts: dict = field(default_factory=dict)  # what the original bears: {"seal": 1, "blue_ink": True}


@dataclass
class DocumentReading:
    file: str
    format: str
    pages: list[PageReading]
    searchable_pdf: Path | None

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)

    @property
    def mean_confidence(self) -> float:
        return round(sum(p.confidence for p in self.pages) / len(self.pages), 2) if self.pages else 0.0

    @property
    def min_confidence(self) -> float:
        return min((p.confidence for p in self.pages), default=0.0)


def default_workers() -> int:
    return os.cpu_count() or 1


def ocr_page(image: Image.Image, number: int, workdir: Path | None) -> PageReading:
    """Prepare and recognize one page; write its searchable PDF page under ``workdir`` when given."""
    prepared = prepare(image, image_dpi(image), dpi_known=claimed_dpi(image) is not None)
    want_pdf = workdir is not None
    first: Recognition | None = None  # the page's reading as prepared, where one was made already
    turn = 0
    if prepared.facts.get("card"):
        turn, first = _card_upright(prepared.recognition, prepared.recognition_dpi, want_pdf)
        prepared = turned_over(prepared) if turn else prepared
    recognition = prepared.recognition
    result: Recognition | None = None
    notes = list(prepared.steps)
    facts = dict(prepared.facts)
    if turn:
        facts["orientation"] = {"rotation": turn, "from": "reading"}
    for label, alternative in prepared.alternatives:
        # Do no harm: a step that can cost letters earns its place on this page or is undone.
        page = result = first or recognize(recognition, dpi=prepared.recognition_dpi, want_pdf=want_pdf)
        first = None
        changed = _changed(recognition, alternative)
        band = _band(changed, page)
        if band == (0, 0):
            continue  # the step changed nothing: nothing to choose
        if band is None:  # changed all over the page: read again whole
            other = candidate = recognize(alternative, dpi=prepared.recognition_dpi, want_pdf=want_pdf)
        else:
            # The two versions differ only where the step changed pixels (a seal: a few lines), so
            # only that band is read again without the step; the candidate is the page with the
            # band's lines in place of its own, compared with the page as read.
            other = _read_band(alternative, band, prepared.recognition_dpi)
            inside = {w.line for w in page.words if band[0] <= w.top + w.height / 2 < band[1]}
            candidate = replace(other, words=[*(w for w in page.words if w.line not in inside), *other.words])
        if _reads_better(candidate, page):
            hidden = _hidden_under_ink(page, candidate, changed)
            if band is None:
                result, recognition = other, alternative
            else:
                result = with_band(page, inside, other)
            result = _with_lines(result, hidden)
            where = "" if band is None else f" in rows {band[0]}-{band[1]}, where it changed the page"
            notes.append(f"{label}: read better without that step{where}")
            facts.setdefault("undone", []).append(label)
            if band is not None:
                facts["undone_rows"] = list(band)
            if hidden:
                # What the step was for: a seal's block (signing title, signer) is read only once
                # the seal is dropped, and the page read without the step lost it.
                notes.append(f"{len(hidden)} line(s) under the coloured ink kept from the reading without it")
    if result is None:
        result = first or recognize(recognition, dpi=prepared.recognition_dpi, want_pdf=want_pdf)
    sharp = recognition
    typed = monospaced(result.words)
    if typed:
        # A typewriter's uneven strikes: read again with the strokes joined (see ocr.typed).
        recognition = smoothed(recognition, prepared.recognition_dpi)
        result = recognize(recognition, dpi=prepared.recognition_dpi, want_pdf=want_pdf)
        notes.append("typed page: strokes smoothed")
    if _weak(result) or _mostly_noise(result):
        # Sparse or noisy: find the rows of letters, paint the rest paper, and read again; psm 11
        # finds scattered text, psm 6 reads one uniform block.
        rows = text_lines(recognition, prepared.recognition_dpi)
        masked = keep_only(recognition, rows, prepared.recognition_dpi) if rows else None
        attempts = [
            (masked, 3, "text lines only"),
            (masked, 6, "text lines only, psm 6"),
            (recognition, 11, "psm 11"),
        ]
        for candidate, psm, step in attempts:
            if candidate is None or (psm == 6 and _score(result) > 0 and not _weak(result)):
                continue
            if psm == 11 and _score(result) > 0 and not _weak(result) and not _mostly_noise(result):
                continue  # the rows of letters read well: scattered-text mode has nothing left to find
            retry = _retry(candidate, prepared.recognition_dpi, psm, want_pdf)
            if retry is not None and _score(retry) > _score(result):
                result, notes = retry, [*prepared.steps, step]
        if not rows and _score(result) == 0:
            result = Recognition("", 0.0, [], result.pdf)
            facts["blank"] = "no_text_lines"
            notes.append("trang trắng: không thấy dòng chữ nào / blank: no text lines")
    result, erased = _seals_erased(recognition, result, prepared.recognition_dpi)
    if erased:
        notes.append(f"{erased} seal(s) erased, the rows of text stamped over read again")
        facts["seals_erased"] = erased
    if prepared.leaders:
        # A form's dot leaders read as "cQQQnQQnn": their lines are read again without the dots.
        result, mended = _without_leaders(recognition, result, prepared.leaders, prepared.recognition_dpi)
        if mended:
            notes.append(f"{mended} line(s) with dot leaders read again without them")
    if facts.get("card"):
        # Before noise is dropped: a word read as marks with no confidence is dropped as noise.
        result, garbled = cards.reread_garbled(sharp, result, dpi=prepared.recognition_dpi)
        if garbled:
            notes.append(f"{garbled} word(s) read with almost no confidence read again over all their ink")
    noise = garbage_lines(result.words)
    if noise:
        result = without_lines(result, noise)
        notes.append(f"{len(noise)} noise line(s) dropped")
    phantoms = phantom_words(result.words)
    if phantoms:
        result = without_words(result, phantoms)
        notes.append(f"{len(phantoms)} word(s) read from specks smaller than the page's letters dropped")
    stray = garbage_parts(result.words)
    if stray:
        result = without_words(result, stray)
        notes.append(f"{len(stray)} word(s) of noise beside a line of text dropped")
    turned = 0
    unsure = prepared.analysis.orientation_confidence < UNSURE_ORIENTATION and not facts.get("card")
    if result.confidence < UNSURE_CONFIDENCE and unsure:
        # Orientation evidence was thin: the other way up may read better.
        flipped = _retry(recognition.rotate(180), prepared.recognition_dpi, 3, want_pdf)
        if flipped is not None and _score(flipped) > _score(result):
            result, turned = flipped, 180
            notes.append("rotate 180 (retry)")
    if result.words and not facts.get("card") and _no_words(result):
        # Rows of letter-like marks that are not words: text showing through from the back (read
        # mirrored), handwriting, a pattern. Its characters would be text nobody wrote.
        result = Recognition("", 0.0, [], result.pdf)
        facts["blank"] = "no_words"
        notes.append(
            "không đọc được từ nào: chữ thấm từ mặt sau, viết tay hay hoa văn / "
            "no words read: show-through, handwriting or a pattern"
        )
    # Numbers are re-read alone on the unsmoothed page: a blur can merge a digit's strokes.
    result, reread = reread_uncertain(
        sharp.rotate(180) if turned else sharp, result, dpi=prepared.recognition_dpi
    )
    if reread:
        notes.append(f"re-read {reread} word(s)")
    if facts.get("card"):  # (a card is never turned by the retry above: its reading said which way up)
        result, dates = cards.reread_dates(sharp, result, dpi=prepared.recognition_dpi)
        if dates:
            notes.append(f"{dates} date(s) read with letters for digits read again as digits")
    result, toned = _stop_tones(result)
    if toned:
        notes.append(f"{toned} syllable(s) given the tone their final p/t/c/ch requires")
    result, paired = _as_elsewhere_on_page(result)
    if paired:
        notes.append(f"{paired} word(s) given the tone they have before the same word elsewhere on the page")
    result, dated = _date_digits(result)
    if dated:
        notes.append(f"{dated} day, month or year read with letters for digits put right")
    result, digits = _digit_lookalikes(result)
    if digits:
        notes.append(f"{digits} number(s) with a letter read for a digit put right")
    if typed:
        result, fixed = correct_letters(result)
        if fixed:
            notes.append(f"{fixed} typed letter(s) corrected")
    if not facts.get("card"):
        result = recipients_before_signature(result, recognition.width)
    size = recognition.rotate(180).size if turned else recognition.size
    # A photo cropped to the card (no desk round it to find it by) is the card when its frame has a
    # card's proportions, upright, its words a card's size (a landscape legal page's are a third of
    # that) and its text a card's: read by the template too.
    framed = (
        not facts.get("card")
        and geometry.card_frame(*size)
        and median_height(result.words) >= geometry.CARD_LINE_SHARE * size[1]
    )
    if (facts.get("card") or framed) and (card := cards.identify(result.text)) is not None:
        # Read by the card's template: each label followed by its own value (see ocr.cards).
        result = replace(result, text=cards.reading_order(result.words, size, card))
        facts["card"] = {"model": card.model, "side": card.side}
        notes.append(f"ID card {card.model} {card.side}: read by its template")
    if want_pdf and result.pdf is not None:
        display = prepared.display.rotate(180) if turned else prepared.display
        page_pdf = overlay_pdf(display, prepared.display_dpi, result.pdf)
        (workdir / f"page-{number:05d}.pdf").write_bytes(page_pdf)
    return PageReading(
        number=number,
        method="ocr",
        confidence=result.confidence,
        text=result.text,
        width_px=image.width,
        height_px=image.height,
        rotation=(prepared.analysis.rotation + turned) % 360,
        note="; ".join(notes) or None,
        box_size=recognition.size,
        facts=facts,
        lines=[{"line": n, "confidence": round(c, 2)} for n, c in sorted(result.line_confidences.items())],
        words=[
            {
                "text": w.text,
                "confidence": w.confidence,
                "line": w.line,
                "box": [w.left, w.top, w.width, w.height],
            }
            for w in result.words
        ],  # fmt: skip
    )


def _card_upright(card: Image.Image, dpi: int, want_pdf: bool) -> tuple[int, Recognition]:
    """Whether a squared card lies upside down (0 or 180), and its reading that way up. Read as it
    lies, a card whose template's labels are read with confidence is upright: most are photographed
    so, and then it costs nothing, where OSD on every card cost most of a reading. Otherwise it is read
    turned too, and the reading whose labels name a card, or that reads more words, wins."""
    lying = recognize(card, dpi=dpi, want_pdf=want_pdf)
    known = cards.identify(lying.text) is not None
    if known and lying.confidence >= UNSURE_CONFIDENCE:
        return 0, lying
    turned = _retry(card.rotate(180), dpi, 3, want_pdf)
    if turned is None:
        return 0, lying
    other = cards.identify(turned.text) is not None
    if other > known or (other == known and _score(turned) > _score(lying)):
        return 180, turned
    return 0, lying


def _retry(image: Image.Image, dpi: int, psm: int, want_pdf: bool) -> Recognition | None:
    """A second opinion, given a short time: a page of noise can keep psm 11 busy for minutes."""
    try:
        return recognize(image, dpi=dpi, psm=psm, want_pdf=want_pdf, timeout=RETRY_TIMEOUT)
    except RuntimeError:  # EngineTimeout; the first reading stands
        return None


# Lines the coloured ink covered: the page's rows and columns where the two versions differ, with
# this many line heights round them; at most this share of the page (blue pen all over a page is no
# seal's block).
HIDDEN_PAD_LINES = 2.0
HIDDEN_MAX_SHARE = 0.4
HIDDEN_KNOWN = 0.6  # of a line's word pairs found in the other reading: the line is there already
# A line with dot leaders, read again without them, must keep this share of the words its first
# reading was sure of (confidence SURE_WORD or more, in the lexicon).
SURE_WORD = 80.0
LEADER_LINE_KEEPS = 0.9
# A band of rows taller than this share of the page is no seal's block: the page is read again whole.
BAND_MAX_SHARE = 0.5
SPECK_CHANGE = 0.1  # of a line height squared: changed pixels fewer than this are no letter's worth


def _changed(image: Image.Image, other: Image.Image) -> np.ndarray:
    """Where two versions of one page differ visibly (a step's work: the seal it dropped)."""
    return cv2.absdiff(np.asarray(image), np.asarray(other)) > 24


def _band(changed: np.ndarray, reading: Recognition) -> tuple[int, int] | None:
    """The rows (top, bottom) to read again where two versions differ: the changed rows with the
    lines below them (the signer's name under a seal), grown to whole lines of ``reading`` so no
    line is cut. (0, 0) when nothing changed; None when the band is most of the page."""
    height = median_height(reading.words)
    counts = np.count_nonzero(changed, axis=1)
    rows = np.nonzero(counts)[0]
    if rows.size and height:
        # Groups of changed rows apart by more than two lines; a group where only a few pixels
        # changed (stray coloured specks, less than a fraction of one letter) cannot have cost a
        # letter and does not stretch the band across the page.
        groups = np.split(rows, np.nonzero(np.diff(rows) > 2 * height)[0] + 1)
        rows = np.concatenate(
            [g for g in groups if counts[g].sum() >= SPECK_CHANGE * height**2] or [rows[:0]]
        )
    if rows.size == 0:
        return (0, 0)
    top, bottom = rows[0] - height / 2, rows[-1] + 2 * HIDDEN_PAD_LINES * height
    for _ in range(5):  # a line that straddles an edge takes the edge with it
        crossing = [w for w in reading.words if w.top < bottom and w.top + w.height > top]
        grown = (
            min([top, *(w.top for w in crossing)]),
            max([bottom, *(w.top + w.height for w in crossing)]),
        )
        if grown == (top, bottom):
            break
        top, bottom = grown
    top, bottom = max(0, int(top)), min(changed.shape[0], int(bottom) + 1)
    return None if bottom - top > BAND_MAX_SHARE * changed.shape[0] else (top, bottom)


def _read_band(image: Image.Image, band: tuple[int, int], dpi: int) -> Recognition:
    """The band of rows of ``image`` read alone, its words placed on the page (no text layer: the
    page's own stays)."""
    top, bottom = band
    read = recognize(image.crop((0, top, image.width, bottom)), dpi=dpi, want_pdf=False)
    return replace(read, words=[replace(w, top=w.top + top) for w in read.words])


# A block laid out as a picture smaller than this (mm) across holds no seal; a seal's disc is painted
# over this much beyond the ring found (the ring's own width).
PICTURE_MIN_MM = 25.0
PICTURE_GAP_MM = 3.0
SEAL_MARGIN = 1.06
# A word read again over another word already read (this share of its box) is that word again.
OVERLAP = 0.5


def _seals_erased(image: Image.Image, result: Recognition, dpi: int) -> tuple[Recognition, int]:
    """Seals stamped over a signing title, in a scan with no colour to tell them apart by: tesseract
    lays the seal, the title and the signature out as one picture and reads none of it. Each round
    seal found in such a block is erased (``geometry.erase_seal``: in a grey scan only its lighter ink)
    and the block read again, to the page's edge and with the lines under it (the signer's name): its
    lines of sure words replace what the page read in their rows when they hold more words. Returns
    the reading and the seals erased."""
    if not result.pictures:
        return result, 0
    pixels = np.asarray(image if image.mode == "L" else image.convert("L"))
    erased = pixels.copy()
    blocks, count = [], 0
    mm = dpi / 25.4
    printed: int | None = None
    discs: list[tuple[int, int, float]] = []
    # A layout can cut one seal into two picture blocks (the title's rows, the signature's).
    for left, top, right, bottom in geometry.merged_boxes(result.pictures, PICTURE_GAP_MM * mm):
        if min(right - left, bottom - top) < PICTURE_MIN_MM * mm:
            continue
        # The seal's ring can stick out of the block it was laid out with.
        x0, y0 = max(0, round(left - PICTURE_GAP_MM * mm)), max(0, round(top - PICTURE_GAP_MM * mm))
        x1 = min(pixels.shape[1], round(right + PICTURE_GAP_MM * mm))
        y1 = min(pixels.shape[0], round(bottom + PICTURE_GAP_MM * mm))
        found = geometry.seals(pixels[y0:y1, x0:x1], dpi)
        if found and printed is None:
            printed = geometry.print_level(pixels)
        for x, y, radius in found:
            geometry.erase_seal(erased, (x0 + x, y0 + y), round(radius * SEAL_MARGIN), printed or 0)
            discs.append((x0 + x, y0 + y, radius * SEAL_MARGIN))
        if found:
            blocks.append((left, top, right, bottom))
            count += len(found)
    if not blocks:
        return result, 0
    # The seal's own words, where the page read some ("TRƯỜNG", "ĐẠI HỌC" round its centre): no
    # text of the document's, whatever is read again over them.
    seal_lines = words_by_line(result.words).items()
    result = without_lines(
        result, {line for line, words in seal_lines if all(_in_disc(w, discs) for w in words)}
    )
    height = median_height(result.words)
    added: list[list[Word]] = []
    replaced: set[int] = set()  # the page's words read again in a block (indices)
    for left, top, _right, bottom in blocks:
        # To the page's right edge: a title line runs on past the seal's block.
        x0, x1 = max(0, round(left - height)), pixels.shape[1]
        y1 = min(pixels.shape[0], round(bottom + 2 * HIDDEN_PAD_LINES * height))
        read = recognize(Image.fromarray(erased[top:y1, x0:x1]), dpi=dpi, psm=6, want_pdf=False)
        inside = {i for i, w in enumerate(result.words) if _centred_in(w, (x0, top, x1, y1))}
        outside = [w for i, w in enumerate(result.words) if i not in inside]
        placed = [replace(w, left=w.left + x0, top=w.top + top) for w in read.words]
        # A recipient's line ends inside the block's columns: its words are the page's.
        placed = [w for w in placed if not any(_overlap(w, other) >= OVERLAP for other in outside)]
        for words in words_by_line(placed).values():
            line = _sure_line(words)
            if line is None:
                continue
            low, high = min(w.top for w in line), max(w.top + w.height for w in line)
            # What the page read in these rows of the block (bits of the title round the seal): the
            # line read again takes its place when it holds more words.
            there = [
                i for i in sorted(inside)
                if i not in replaced and low <= result.words[i].top + result.words[i].height / 2 < high
            ]  # fmt: skip
            if _word_chars(line) > _word_chars([result.words[i] for i in there]):
                added.append(line)
                replaced.update(there)
    if not added:
        return result, count  # the seal's own words dropped, nothing better read over it
    band = Recognition(
        "\n".join(" ".join(w.text for w in line) for line in added),
        0.0,
        [replace(w, line=n) for n, line in enumerate(added, 1) for w in line],
    )
    return with_band(without_words(result, sorted(replaced)), set(), band), count


def _centre(word: Word) -> tuple[float, float]:
    return word.left + word.width / 2, word.top + word.height / 2


def _centred_in(word: Word, box: tuple[int, int, int, int]) -> bool:
    x, y = _centre(word)
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def _in_disc(word: Word, discs: list[tuple[int, int, float]]) -> bool:
    x, y = _centre(word)
    return any(math.hypot(x - cx, y - cy) < radius for cx, cy, radius in discs)


SURE_READ = 60.0  # a word read this sure, and shaped like a word, is no mark of a seal or a signature


def _sure(words: list[Word]) -> list[Word]:
    return [w for w in words if w.confidence >= SURE_READ and wordlike(w.text)]


def _sure_line(words: list[Word]) -> list[Word] | None:
    """A line read again, when half of it are sure words and one is a word of the lexicon (a
    signature's loop reads as marks): its sure words and its words of the lexicon (a signature's
    stroke across the signer's name makes a word of it unsure, not another word)."""
    sure = _sure(words)
    if len(sure) < 0.5 * len(words) or not any(in_lexicon(w.text) for w in sure):
        return None
    return [w for w in words if w in sure or (wordlike(w.text) and in_lexicon(w.text))]


def _word_chars(words: list[Word]) -> int:
    """The characters read as Vietnamese words or numbers."""
    return sum(printed_length(w.text) for w in words if in_lexicon(w.text))


def _overlap(word: Word, other: Word) -> float:
    """The share of ``word``'s box that ``other``'s covers."""
    across = min(word.left + word.width, other.left + other.width) - max(word.left, other.left)
    down = min(word.top + word.height, other.top + other.height) - max(word.top, other.top)
    return max(0, across) * max(0, down) / max(1, word.width * word.height)


def _hidden_under_ink(dropped: Recognition, kept: Recognition, changed: np.ndarray) -> list[list[Word]]:
    """Lines read where the coloured ink was dropped (``changed``) that the reading with the ink
    kept does not have (their words, in reading order): a seal's ring over a signing title, a
    signature over the signer's name. Sure readings of words only: noise never becomes text."""
    rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
    if rows.size == 0:
        return []
    pad = HIDDEN_PAD_LINES * median_height(dropped.words)
    # The signer's name is printed a few lines below the seal, centred under the signature: to the
    # page's right edge (the block is on the right).
    left, top, right, bottom = cols[0] - pad, rows[0] - pad, changed.shape[1], rows[-1] + 2 * pad
    if (right - left) * (bottom - top) > HIDDEN_MAX_SHARE * changed.size:
        return []
    known = _pairs(kept.words)
    hidden = []
    for _number, words in sorted(words_by_line(dropped.words).items()):
        near = [
            w for w in words
            if w.left < right and w.left + w.width > left and w.top < bottom and w.top + w.height > top
        ]  # fmt: skip
        sure = _sure(near)
        if not sure or len(sure) < 0.5 * len(near):
            continue  # the seal's own ring and letters, read as marks
        pairs = _pairs(near)
        if len(pairs & known) < HIDDEN_KNOWN * len(pairs):  # a line the kept reading lacks, not one it
            hidden.append(near)  # read with a letter or two different
    return hidden


def _without_leaders(
    image: Image.Image, result: Recognition, leaders: list[Box], dpi: int
) -> tuple[Recognition, int]:
    """Each line holding dot leaders read again alone (its box, the leaders painted paper), put in
    place of its first reading when it reads better: the words first read sure kept, and a larger
    share of words (a line of dots alone, read as marks, goes). Returns the reading and how many
    lines were replaced. The rest of the page keeps its reading: erasing the dots over the whole page
    changes how tesseract lays it out."""
    pixels = np.asarray(image if image.mode == "L" else image.convert("L"))
    again: dict[int, list[Word]] = {}
    for number, words in words_by_line(result.words).items():
        top, bottom = min(w.top for w in words), max(w.top + w.height for w in words)
        left, right = min(w.left for w in words), max(w.left + w.width for w in words)
        runs = [
            box for box in leaders
            if top <= (box[1] + box[3]) / 2 <= bottom and box[0] < right and box[2] > left
        ]  # fmt: skip
        if not runs:
            continue
        pad = round(0.3 * median_height(words))
        x0, y0 = max(0, min(left, *(b[0] for b in runs)) - pad), max(0, top - pad)
        x1 = min(image.width, max(right, *(b[2] for b in runs)) + pad)
        y1 = min(image.height, bottom + pad)
        crop = pixels[y0:y1, x0:x1].copy()
        for bx0, by0, bx1, by1 in runs:
            crop[max(0, by0 - y0 - 1) : by1 - y0 + 1, max(0, bx0 - x0 - 1) : bx1 - x0 + 1] = 255
        read = recognize(Image.fromarray(crop), dpi=dpi, psm=7, want_pdf=False)
        placed = replace(read, words=[replace(w, left=w.left + x0, top=w.top + y0) for w in read.words])
        before = Recognition("", 0.0, words)
        # Judged by the words read sure the first time, not by a count of characters: tesseract
        # reads dots as "HH TH HH", which a lexicon of acronyms takes for words.
        sure = [_bare(w.text) for w in words if w.confidence >= SURE_WORD and in_lexicon(w.text)]
        found = {_bare(w.text) for w in placed.words}
        keeps = sum(word in found for word in sure) >= LEADER_LINE_KEEPS * len(sure)
        if keeps and (_lexicon(placed)[0] > _lexicon(before)[0] or not placed.words and not sure):
            again[number] = placed.words
    return with_lines_replaced(result, again), len(again)


def _bare(token: str) -> str:
    """A word as compared across readings: folded, without the punctuation round it."""
    return fold(token).strip(".,;:")


def _stop_tones(result: Recognition) -> tuple[Recognition, int]:
    """Syllables closed by p, t, c or ch read without the tone Vietnamese requires there ("câp",
    "chât") given it (``ocr.text.stop_tone``), the page's own words deciding where the language
    alone does not; returns the reading and how many changed."""
    on_page = frozenset(part.lower() for w in result.words for part in re.findall(r"\w+", w.text))
    words = list(result.words)
    for i, word in enumerate(result.words):
        # Each run of letters of a token alone: "đồng/suât/năm." has three syllables.
        toned = re.sub(r"\w+", lambda m: stop_tone(m.group(), on_page) or m.group(), word.text)
        words[i] = replace(word, text=toned)
    return with_words(result, words)


_LETTERS = re.compile(r"^(\W*)([^\W\d_]+)(\W*)$")


def _as_elsewhere_on_page(result: Recognition) -> tuple[Recognition, int]:
    """A word read without a tone ("tô chức", "kiêm định": the hat ate it, and the toneless syllable
    is itself a word, so no rule of the language catches it) given the tone it has elsewhere on
    the page before the same next word, when the page has that pair more often than this one.
    The page is the context a lexicon of single syllables lacks. Returns the reading and how many
    changed."""
    letters = [(m.group(2).lower() if (m := _LETTERS.match(w.text)) else None) for w in result.words]
    pairs: dict[tuple[str, str], int] = {}
    toned: dict[tuple[str, str], set[str]] = {}  # (untoned word, next word) -> the words read so
    for i in range(len(letters) - 1):
        first, after = letters[i], letters[i + 1]
        if first and after and result.words[i].line == result.words[i + 1].line:
            pairs[first, after] = pairs.get((first, after), 0) + 1
            toned.setdefault((untoned(first), after), set()).add(first)
    words = list(result.words)
    for i in range(len(letters) - 1):
        first, after = letters[i], letters[i + 1]
        if not first or not after or untoned(first) != first or words[i].line != words[i + 1].line:
            continue
        others = [w for w in toned.get((first, after), ()) if w != first]
        best = max(others, key=lambda w: pairs[w, after], default=None)
        if best is None or pairs[best, after] <= pairs[first, after]:
            continue
        lead, word, trail = _LETTERS.match(words[i].text).groups()
        words[i] = replace(words[i], text=lead + _cased_like(best, word) + trail)
    return with_words(result, words)


def _cased_like(word: str, like: str) -> str:
    """``word`` (lower-case) in the case ``like`` is written in: capitals, a capital first, or none."""
    if like.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


# After "ngày", "tháng", "năm" only a number is printed: a serif 1 read as I, l or |, a 0 as O.
_AS_DIGIT = str.maketrans({"I": "1", "l": "1", "|": "1", "O": "0", "o": "0"})
_DATE_PART = {"ngay": (1, 31), "thang": (1, 12), "nam": (1900, 2099)}


def _date_digits(result: Recognition) -> tuple[Recognition, int]:
    """Days, months and years read with letters for digits ("tháng II năm 2O19") in digits, when
    they then make a day, a month or a year; returns the reading and how many changed."""
    words = list(result.words)
    for i in range(1, len(words)):
        bounds = _DATE_PART.get(fold(words[i - 1].text).strip(".,;:"))
        match = re.fullmatch(r"(\W*)([\dIlO|o]{1,4})(\W*)", words[i].text)
        if bounds is None or match is None or match.group(2).isdigit():
            continue
        digits = match.group(2).translate(_AS_DIGIT)
        wide = 4 if bounds[0] > 31 else 2
        if digits.isdigit() and len(digits) <= wide and bounds[0] <= int(digits) <= bounds[1]:
            words[i] = replace(words[i], text=match.group(1) + digits + match.group(3))
    return with_words(result, words)


# A run of two to four digits with a look-alike capital I, small l or capital O among them, standing
# alone or after a hyphen or a slash ("COVID-I9", "2O19", "l5/QĐ"): the letter is a digit misread. A
# run of letters ("II", "Il") and a code's letters ("DI2", a letter before it) are left as read, and
# so are longer runs: a card's date read with I for its slashes ("12I02I2025") is a date's to parse.
_LOOKALIKE_RUN = re.compile(r"(?<![^\W_])(?=[\dIlO]*\d)(?=[\dIlO]*[IlO])[\dIlO]{2,4}(?![^\W_])")


def _digit_lookalikes(result: Recognition) -> tuple[Recognition, int]:
    """Digits read as look-alike letters inside a run of digits put back; returns the reading and how
    many words changed."""
    words = [
        replace(w, text=_LOOKALIKE_RUN.sub(lambda m: m.group(0).translate(_AS_DIGIT), w.text))
        for w in result.words
    ]
    return with_words(result, words)


def _pairs(words: list[Word]) -> set[tuple[str, str]]:
    """Consecutive word pairs, folded (a lone word pairs with itself): common words alone ("hiệu
    trưởng" in the recipients) do not make a signing title known."""
    folded = [_bare(w.text) for w in words]
    return set(zip(folded, folded[1:], strict=False)) if len(folded) > 1 else {(f, f) for f in folded}


def _with_lines(result: Recognition, lines: list[list[Word]]) -> Recognition:
    """The reading with these lines added after its own (a seal's block ends a page)."""
    if not lines:
        return result
    lines = sorted(lines, key=lambda line: min(w.top for w in line))  # top to bottom, as printed
    last = max((w.line for w in result.words), default=0)
    added = [replace(w, line=last + n) for n, line in enumerate(lines, 1) for w in line]
    text = "\n".join([result.text, "", *(" ".join(w.text for w in line) for line in lines)]).strip()
    words = [*result.words, *added]
    return Recognition(text, weighted_confidence(words), words, result.pdf)


def _lexicon(result: Recognition) -> tuple[float, int]:
    """The share of characters read as Vietnamese words or numbers, and their count."""
    total = sum(printed_length(w.text) for w in result.words)
    found = _word_chars(result.words)
    return (found / total if total else 0.0), found


# A reading with this many more word characters is the better one unless a larger share of the
# other's are words by more than MORE_WORDS_SHARE: a step that took text away (blue print dropped
# as pen: a letterhead's 240 word characters of 1012) loses words, not only their share.
MORE_WORDS = 1.1
MORE_WORDS_SHARE = 0.02


def _reads_better(other: Recognition, first: Recognition) -> bool:
    """Whether ``other`` is the better reading of the page: more of what it read are words, and it
    did not get there by reading less (a reading that drops a line loses its words); or it read many
    more words at nearly the same share."""
    share, count = _lexicon(other)
    first_share, first_count = _lexicon(first)
    if count >= MORE_WORDS * first_count and share >= first_share - MORE_WORDS_SHARE:
        return True
    return share > first_share and count >= 0.9 * first_count


# A page is text when at least this share of what was read are words, or some line has this many
# words in a row (a printed header over handwriting). Real pages read 0.87-1.0 and 9-30 in a row;
# text showing through from the back, read mirrored, 0.29-0.38 and 2-3.
WORDS_MIN_SHARE = 0.5
WORDS_MIN_RUN = 4


def _no_words(result: Recognition) -> bool:
    """Whether a reading is of no words at all: few of its characters are words of a language a
    case file is written in, and no line has WORDS_MIN_RUN of them in a row."""
    total = found = best = 0
    run, line = 0, None
    for word in result.words:
        if word.line != line:
            run, line = 0, word.line
        letters = sum(c.isalnum() for c in word.text)
        total += letters
        if letters and known_word(word.text):
            found += letters
            run += 1
            best = max(best, run)
        elif letters:
            run = 0
    return total > 0 and found < WORDS_MIN_SHARE * total and best < WORDS_MIN_RUN


def _weak(result: Recognition) -> bool:
    return len("".join(result.text.split())) < SPARSE_CHARS or result.confidence < SPARSE_CONFIDENCE


def _mostly_noise(result: Recognition) -> bool:
    """Most of what was read is unsure non-words: noise read as text."""
    total = sum(printed_length(w.text) for w in result.words)
    return total > 0 and _score(result) < 0.5 * total * 100


def _score(result: Recognition) -> float:
    """Characters read as words, weighted by confidence: a reading of noise scores nothing, however
    many characters it has."""
    return sum(
        printed_length(w.text) * w.confidence for w in result.words if w.confidence >= 50 and wordlike(w.text)
    )


def overlay_pdf(display: Image.Image, dpi: int, text_pdf: bytes) -> bytes:
    """One PDF page: the page image, with tesseract's invisible text layer placed over it."""
    import pypdfium2 as pdfium

    width, height = display.width / dpi * 72, display.height / dpi * 72
    jpeg = io.BytesIO()
    display.save(jpeg, "JPEG", quality=80, dpi=(dpi, dpi))
    jpeg.seek(0)
    out = pdfium.PdfDocument.new()
    text = pdfium.PdfDocument(text_pdf)
    try:
        page = out.new_page(width, height)
        picture = pdfium.PdfImage.new(out)
        picture.load_jpeg(jpeg, inline=False, autoclose=False)
        picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
        page.insert_obj(picture)
        page.insert_obj(text.page_as_xobject(0, out).as_pageobject())
        page.gen_content()
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        text.close()
        out.close()


def read_document(
    path: Path,
    workdir: Path | None = None,
    *,
    workers: int | None = None,
    limits: PageLimits = DEFAULT_LIMITS,
) -> DocumentReading:
    """Pages, text and (when ``workdir`` is given) a searchable PDF for one PDF or image file.

    Raises BadInput when the file cannot be read as a document.
    """
    path = Path(path)
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    source = open_source(path, limits)
    fmt = "pdf" if isinstance(source, PdfSource) else "image"
    budget = limits.deadline_for(len(source))
    deadline = time.monotonic() + budget
    workers = max(1, min(workers or default_workers(), len(source)))
    readings: dict[int, PageReading] = {}
    notes: dict[int, str] = {}  # why a page with a text layer was OCRed anyway
    in_flight: deque[tuple[int, Future[PageReading]]] = deque()
    pool = _page_pool(workers) if workers > 1 else None
    if pool is not None:
        PAGES_UNDER_WAY.set()
    try:
        for page in source.pages():
            if page.note:
                notes[page.number] = page.note
            _check_deadline(deadline, budget)
            if page.text is not None:
                readings[page.number] = PageReading(page.number, "text", 100.0, page.text.strip())
            elif pool is None:
                readings[page.number] = ocr_page(source.render(page.number), page.number, workdir)
            else:
                in_flight.append(
                    (page.number, pool.submit(_ocr_in_worker, str(path), page.number, workdir, limits))
                )
                while len(in_flight) >= 2 * workers:
                    number, future = in_flight.popleft()
                    readings[number] = _result(future, deadline, budget)
        while in_flight:
            number, future = in_flight.popleft()
            readings[number] = _result(future, deadline, budget)
        pages = [readings[n] for n in sorted(readings)]
        for page in pages:
            if page.number in notes:
                page.note = "; ".join(filter(None, [notes[page.number], page.note]))
        searchable = _assemble_pdf(source, pages, workdir) if workdir is not None else None
    except BaseException as exc:
        if pool is not None:
            # This document's pages only (another thread may share the pool): the waiting ones are
            # dropped, the running ones end before the caller removes the work directory.
            futures = [future for _number, future in in_flight]
            for future in futures:
                future.cancel()
            if isinstance(exc, TooSlow):  # a page still holds a worker: end them, not wait for them
                _discard_pool(workers, pool, kill=True)
            wait(futures)
            if isinstance(exc, BrokenProcessPool):  # a worker died (killed, out of memory)
                _discard_pool(workers, pool)
        raise
    finally:
        source.close()
    return DocumentReading(file=str(path), format=fmt, pages=pages, searchable_pdf=searchable)


# The page pool outlives one document: a batch run reads file after file in one process, and
# spawning fresh interpreters (numpy, OpenCV, PDFium) for each file cost about a second per file.
# Keyed by size and by the process that made it, so a forked child never reuses its parent's pool.
_POOLS: dict[tuple[int, int], ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()
# Set once this process has given pages to a pool: from then on its main thread mostly waits for
# them, and can do other work (repository.pipeline.preload) without keeping the workers waiting.
PAGES_UNDER_WAY = threading.Event()


def start_page_pool(workers: int | None = None) -> None:
    """Start the page pool's processes now, without waiting for them: each imports the OCR stack and
    loads the model (about 1.5 s) while the caller does its own start-up, not when the first
    document's pages are due. The pool is the one ``read_document`` uses for a file of at least
    ``workers`` pages."""
    workers = workers or default_workers()
    if workers > 1:
        pool = _page_pool(workers)
        for _ in range(workers):
            pool.submit(_load_engine)


def _load_engine() -> None:
    _engine()  # not submitted itself: the engine it returns cannot travel back to the caller


def _page_pool(workers: int) -> ProcessPoolExecutor:
    # Processes, not threads: preprocessing is Python and numpy work that would queue on the GIL.
    # Each worker opens the file itself (PDFium handles must not cross threads or processes) and
    # "spawn" keeps workers clean of whatever the parent holds (Airflow's task runner, sockets).
    key = (os.getpid(), workers)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            context = multiprocessing.get_context("spawn")
            pool = _POOLS[key] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return pool


def _discard_pool(workers: int, pool: ProcessPoolExecutor, kill: bool = False) -> None:
    """A broken pool (or one busy past a file's time budget) is not reused: the next document gets
    a fresh one."""
    with _POOLS_LOCK:
        if _POOLS.get((os.getpid(), workers)) is pool:
            del _POOLS[(os.getpid(), workers)]
    if kill:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=not kill, cancel_futures=True)


class TooSlow(BadInput):
    """A file took longer to read than its time budget."""

    def __init__(self, budget: float) -> None:
        super().__init__(
            f"Tệp đọc quá lâu (quá {budget / 60:.0f} phút): có thể tệp hỏng hoặc được tạo để làm chậm hệ"
            " thống; hãy quét lại / file took too long to read",
            code="too_slow",
        )


def _check_deadline(deadline: float, budget: float) -> None:
    if time.monotonic() > deadline:
        raise TooSlow(budget)


def _result(future: Future[PageReading], deadline: float, budget: float) -> PageReading:
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        raise TooSlow(budget) from None


_WORKER_SOURCES: dict[tuple, PdfSource | ImageSource] = {}
_WORKER_RENDERS: dict[tuple, int] = {}
# PDFium keeps the objects a rendered page loaded (its image stream among them) for the life of the
# document: a worker reopens the file after this many pages, so its memory stays flat on long scans.
REOPEN_EVERY = 16
_CLOSE_AT_EXIT: list = []


def _close_worker_sources() -> None:
    for source in _WORKER_SOURCES.values():
        source.close()
    _WORKER_SOURCES.clear()


def _ocr_in_worker(path: str, number: int, workdir: Path | None, limits: PageLimits) -> PageReading:
    # A long-lived worker sees many files, and a batch may reuse one path for the next file:
    # the cached source is the same file only if its inode, size and modification time are.
    info = os.stat(path)
    key = (path, info.st_ino, info.st_size, info.st_mtime_ns)
    source = _WORKER_SOURCES.get(key)
    if source is not None and _WORKER_RENDERS.get(key, 0) >= REOPEN_EVERY:
        source.close()
        del _WORKER_SOURCES[key]
        source = None
    if source is None:
        # One document at a time per worker; an idle worker keeps its last file open until the next.
        for stale in _WORKER_SOURCES.values():
            stale.close()
        _WORKER_SOURCES.clear()
        _WORKER_RENDERS.clear()
        if not _WORKER_SOURCES and not _CLOSE_AT_EXIT:
            # The idle worker's last file is closed when the worker exits, before PDFium's own exit
            # hook (which otherwise warns of "objects still open" on every `sohoa run`).
            _CLOSE_AT_EXIT.append(multiprocessing.util.Finalize(None, _close_worker_sources, exitpriority=10))
        source = _WORKER_SOURCES[key] = open_source(Path(path), limits)
        _WORKER_RENDERS[key] = 0
    _WORKER_RENDERS[key] += 1
    return ocr_page(source.render(number), number, workdir)


def _assemble_pdf(source, pages: list[PageReading], workdir: Path) -> Path:
    """The original text-layer pages as they are, OCRed pages as image + invisible text.

    Assembled by qpdf (Debian's ``qpdf``), which copies each page's streams from its file while
    writing: measured here, 300 pages of 1.5 MB took 38 MB of memory, where PDFium's import and
    pikepdf held every page in memory (about 1.6 MB per page).
    """
    target = workdir / "searchable.pdf"
    spec: list[str] = []
    for page in pages:
        if page.method == "text":
            spec += [str(Path(source.path).resolve()), str(page.number)]
        else:
            spec += [str((workdir / f"page-{page.number:05d}.pdf").resolve()), "1"]
    done = subprocess.run(
        ["qpdf", "--warning-exit-0", "--empty", "--pages", *spec, "--", str(target)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"qpdf could not assemble the searchable PDF: {done.stderr.strip()[-500:]}")
    return target


__all__ = ["BadInput", "DocumentReading", "PageReading", "read_document", "ocr_page"]
