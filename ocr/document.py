"""Read one file into pages: keep good text layers, OCR the rest in parallel, assemble a searchable PDF.

The concurrency layer lives here and only here (as in OCRmyPDF): pages are rendered one at a time in
the calling thread (PDFium is not thread-safe) and recognized by tesseract processes, at most one per
core, each single-threaded (OMP_THREAD_LIMIT=1); at most two pages per worker are in flight, so memory
stays bounded on a 500-page PDF.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from ocr.engine import recognize
from ocr.pages import BadInput, PdfSource, open_source

# A page whose first pass yields less than this is read again with other segmentation modes.
SPARSE_CHARS = 40
SPARSE_CONFIDENCE = 60.0


@dataclass
class PageReading:
    number: int
    method: str  # "text" (born-digital layer) or "ocr"
    confidence: float  # 0-100
    text: str
    width_px: int | None = None
    height_px: int | None = None
    rotation: int = 0
    note: str | None = None

    def as_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


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
    return int(os.environ.get("SOHOA_OCR_WORKERS") or os.cpu_count() or 1)


def ocr_page(image: Image.Image, number: int, workdir: Path | None) -> PageReading:
    """Recognize one page image; write its searchable PDF page under ``workdir`` when given."""
    dpi = int(image.info.get("dpi", (300, 300))[0])
    result = recognize(image, dpi=dpi, want_pdf=workdir is not None)
    if len(result.text) < SPARSE_CHARS or result.confidence < SPARSE_CONFIDENCE:
        # Sparse or oddly laid-out pages: psm 11 finds scattered text, psm 6 reads one uniform block.
        for psm in (11, 6):
            retry = recognize(image, dpi=dpi, psm=psm, want_pdf=workdir is not None)
            if _score(retry.text, retry.confidence) > _score(result.text, result.confidence):
                result = retry
    if workdir is not None and result.pdf is not None:
        (workdir / f"page-{number:05d}.pdf").write_bytes(result.pdf)
    return PageReading(
        number=number,
        method="ocr",
        confidence=result.confidence,
        text=result.text,
        width_px=image.width,
        height_px=image.height,
    )


def _score(text: str, confidence: float) -> float:
    return len("".join(text.split())) * max(confidence, 1.0)


def read_document(path: Path, workdir: Path | None = None, *, workers: int | None = None) -> DocumentReading:
    """Pages, text and (when ``workdir`` is given) a searchable PDF for one PDF or image file.

    Raises BadInput when the file cannot be read as a document.
    """
    path = Path(path)
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    source = open_source(path)
    fmt = "pdf" if isinstance(source, PdfSource) else "image"
    workers = max(1, workers or default_workers())
    readings: dict[int, PageReading] = {}
    notes: dict[int, str] = {}  # why a page with a text layer was OCRed anyway
    in_flight: deque[tuple[int, Future[PageReading]]] = deque()
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
            for page in source.pages():
                if page.note:
                    notes[page.number] = page.note
                if page.text is not None:
                    readings[page.number] = PageReading(page.number, "text", 100.0, page.text.strip())
                    continue
                image = source.render(page.number)
                in_flight.append((page.number, pool.submit(ocr_page, image, page.number, workdir)))
                del image
                while len(in_flight) >= 2 * workers:
                    number, future = in_flight.popleft()
                    readings[number] = future.result()
            for number, future in in_flight:
                readings[number] = future.result()
        pages = [readings[n] for n in sorted(readings)]
        for page in pages:
            page.note = notes.get(page.number)
        searchable = _assemble_pdf(source, pages, workdir) if workdir is not None else None
    finally:
        source.close()
    return DocumentReading(file=str(path), format=fmt, pages=pages, searchable_pdf=searchable)


def _assemble_pdf(source, pages: list[PageReading], workdir: Path) -> Path:
    """The original text-layer pages as they are, OCRed pages as image + invisible text."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    original = pdfium.PdfDocument(str(source.path)) if isinstance(source, PdfSource) else None
    opened: list[pdfium.PdfDocument] = []
    try:
        for page in pages:
            if page.method == "text":
                out.import_pages(original, [page.number - 1])
            else:
                single = pdfium.PdfDocument(str(workdir / f"page-{page.number:05d}.pdf"))
                opened.append(single)
                out.import_pages(single, [0])
        target = workdir / "searchable.pdf"
        with open(target, "wb") as f:
            out.save(f)
        return target
    finally:
        for doc in opened:
            doc.close()
        if original is not None:
            original.close()
        out.close()


__all__ = ["BadInput", "DocumentReading", "PageReading", "read_document", "ocr_page"]
