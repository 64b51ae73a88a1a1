"""Tesseract as the OCR engine: one run per page gives text, word confidences and a searchable PDF page."""

from __future__ import annotations

import csv
import os
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
