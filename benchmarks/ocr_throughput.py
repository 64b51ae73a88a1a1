"""Page-level parallelism and memory on a multi-page scanned PDF.

Builds an image-only PDF of N scanned Vietnamese pages, reads it (pages, OCR, searchable PDF) with
1 and with all cores, and prints wall time, seconds per page, speed-up and the peak resident memory
of this process and of the tesseract children. With --pages 500, peak memory should stay what it is
at 20 pages: pages are rendered one at a time and at most two per worker are in flight.

    .venv/bin/python benchmarks/ocr_throughput.py [--pages 12] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr.document import read_document  # noqa: E402
from ocr.render import Line, render_page, scanned  # noqa: E402

CORPUS = Path(__file__).with_name("corpus_vi.txt")


def build_pdf(path: Path, pages: int, seed: int = 3) -> None:
    """Append pages one by one so building a 500-page file needs no more memory than a few pages."""
    import pypdfium2 as pdfium

    from repository.samples import image_pdf

    rng = random.Random(seed)
    corpus = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = pdfium.PdfDocument.new()
    for _ in range(pages):
        lines = [Line("QUYẾT ĐỊNH", "center", "bold", 14)]
        lines += [Line(rng.choice(corpus), space_before=4) for _ in range(10)]
        single = pdfium.PdfDocument(image_pdf([scanned(render_page(lines), rng)]))
        out.import_pages(single)
        single.close()
    out.save(str(path))
    out.close()


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--workers", default=f"1,{os.cpu_count()}")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sohoa-throughput-"))
    pdf = work / "batch.pdf"
    build_pdf(pdf, args.pages)
    print(f"{args.pages}-page scanned PDF ({pdf.stat().st_size / 2**20:.1f} MiB) on {os.cpu_count()} cores")
    baseline = None
    for workers in (int(w) for w in args.workers.split(",")):
        started = time.perf_counter()
        reading = read_document(pdf, work / f"w{workers}", workers=workers)
        elapsed = time.perf_counter() - started
        baseline = baseline or elapsed
        print(
            f"workers={workers}: {elapsed:7.1f} s, {elapsed / len(reading.pages):.2f} s/page, "
            f"speed-up x{baseline / elapsed:.2f}, mean confidence {reading.mean_confidence:.1f}, "
            f"peak RSS {peak_mb(resource.RUSAGE_SELF):.0f} MB (tesseract children "
            f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
