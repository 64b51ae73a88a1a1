"""Page-level parallelism and memory on a multi-page scanned PDF.

Builds an image-only PDF of N scanned Vietnamese pages, reads it (pages, OCR, searchable PDF) with
1 and with all cores, and prints wall time, seconds per page, speed-up and the peak resident memory
of the reading process alone and with all its workers and tesseract processes (sampled every 0.2 s;
the PDF is built in a separate process). With --pages 500 peak memory should stay what it is at 20
pages: pages are rendered one at a time, at most two per worker are in flight, and the searchable
PDF is assembled by qpdf from the per-page files on disk.

    .venv/bin/python benchmarks/ocr_throughput.py [--pages 12] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr.document import read_document  # noqa: E402
from ocr.render import Line, render_page, scanned  # noqa: E402

CORPUS = Path(__file__).with_name("corpus_vi.txt")


def build_pdf(path: Path, pages: int, seed: int = 3) -> None:
    """Append pages one by one so building a 500-page file needs no more memory than a few pages."""
    import pypdfium2 as pdfium

    from repository.intake.samples import image_pdf

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


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in children(c)]


class MemorySampler(threading.Thread):
    """Resident memory of this process and of all its children (OCR workers, tesseract) every 0.2 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.parent = self.total = 0.0
        self.running = True

    def run(self) -> None:
        me = os.getpid()
        while self.running:
            parent = rss_mb(me)
            self.parent = max(self.parent, parent)
            self.total = max(self.total, parent + sum(rss_mb(c) for c in children(me)))
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--workers", default=f"1,{os.cpu_count()}")
    parser.add_argument(
        "--pdf", type=Path, help="reuse a PDF an earlier run built (its pages are not checked)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sohoa-throughput-"))
    pdf = args.pdf or work / "batch.pdf"
    if args.pdf is None:
        # Built in a child process, so what this process holds afterwards is the reading alone.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pool.apply(build_pdf, (pdf, args.pages))
    print(f"{args.pages}-page scanned PDF ({pdf.stat().st_size / 2**20:.1f} MiB) on {os.cpu_count()} cores")
    baseline = None
    for workers in (int(w) for w in args.workers.split(",")):
        sampler = MemorySampler()
        sampler.start()
        started = time.perf_counter()
        reading = read_document(pdf, work / f"w{workers}", workers=workers)
        elapsed = time.perf_counter() - started
        sampler.running = False
        sampler.join()
        baseline = baseline or elapsed
        print(
            f"workers={workers}: {elapsed:7.1f} s, {elapsed / len(reading.pages):.2f} s/page, "
            f"speed-up x{baseline / elapsed:.2f}, mean confidence {reading.mean_confidence:.1f}, "
            f"peak RSS: this process {sampler.parent:.0f} MB, with all workers and tesseract "
            f"{sampler.total:.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
