"""OCR quality and speed on degraded Vietnamese pages: `sohoa ocr` against plain `tesseract -l vie`.

Renders A4 pages (Times-like serif 13 pt, full diacritics) from a Vietnamese corpus into page classes
with ground truth, then prints per class, side by side: pooled CER (all edits / all reference
characters, NFC, whitespace folded), WER, the worst page and the median seconds per page. Both sides
run on one core (OMP_THREAD_LIMIT=1, one OCR worker).

    .venv/bin/python benchmarks/ocr_quality.py [--pages 6] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocr.metrics import edit_distance, fold  # noqa: E402
from ocr.render import Line, heavy, layout, render_page, scanned, speckle  # noqa: E402

CORPUS = Path(__file__).with_name("corpus_vi.txt")
CLASSES = ("clean", "scanned", "heavy", "rotated", "sparse")


def page_lines(rng: random.Random, corpus: list[str], count: int) -> list[Line]:
    title = rng.choice(["QUYẾT ĐỊNH", "GIẤY XÁC NHẬN", "THÔNG BÁO", "TỜ TRÌNH", "BIÊN BẢN"])
    lines = [
        Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold"),
        Line("Độc lập - Tự do - Hạnh phúc", "center", "bold"),
        Line(title, "center", "bold", 14, 16),
    ]
    start = rng.randrange(len(corpus))
    lines += [Line(corpus[(start + i) % len(corpus)], space_before=4) for i in range(count)]
    return lines


def truth(lines: list[Line]) -> str:
    """The text as placed on the page (wrapped), leaving out anything pushed past the bottom margin."""
    bottom = (297 - 20) / 25.4 * 300
    return fold(" ".join(text for _, text, _, y in layout(lines, 300) if y < bottom))


def make_pages(directory: Path, per_class: int, seed: int) -> dict[str, list[tuple[Path, str]]]:
    rng = random.Random(seed)
    corpus = [line.strip() for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    pages: dict[str, list[tuple[Path, str]]] = {c: [] for c in CLASSES}
    for cls in CLASSES:
        for n in range(per_class):
            if cls == "sparse":
                lines = [Line(corpus[rng.randrange(len(corpus))], space_before=rng.randint(40, 180))
                         for _ in range(rng.randint(1, 3))]  # fmt: skip
            else:
                lines = page_lines(rng, corpus, rng.randint(8, 14))
            clean = render_page(lines, dpi=300)
            if cls == "clean":
                image = clean
            elif cls == "scanned":
                image = scanned(clean, rng, max_skew=1.5, blur=0.7, noise=12.0)
            elif cls == "heavy":
                image = heavy(clean, rng)
            elif cls == "rotated":
                base = scanned(clean, rng, max_skew=1.0, blur=0.5, noise=8.0)
                image = base.rotate((90, 180, 270)[n % 3], expand=True)
            else:  # a few lines on a noisy, speckled page
                image = scanned(clean, rng, max_skew=1.0, blur=0.5, noise=14.0)
                image = speckle(image, rng, density=0.001)
            dpi = image.info.get("dpi", (300, 300))[0] if cls != "heavy" else 200
            path = directory / f"{cls}-{n:02d}.png"
            image.save(path, dpi=(dpi, dpi))
            pages[cls].append((path, truth(lines)))
    return pages


def run_sohoa(paths: list[Path]) -> dict[str, tuple[str, float]]:
    done = subprocess.run(
        [sys.executable, "-m", "repository", "ocr", "--json", "--workers", "1", *map(str, paths)],
        capture_output=True, text=True, env=os.environ | {"OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    results = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        text = " ".join(p["text"] for p in record.get("pages", []))
        results[record["file"]] = (text, record.get("seconds", float("nan")))
    if len(results) != len(paths):
        raise SystemExit(f"sohoa ocr failed: {done.stderr[-2000:]}")
    return results


def run_plain(path: Path) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        ["tesseract", str(path), "-", "-l", "vie"], capture_output=True, text=True,
        env=os.environ | {"OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    return done.stdout, time.perf_counter() - start


def score(results: list[tuple[str, str, str, float]]) -> dict:
    char_edits = char_total = word_edits = word_total = 0
    worst = ("", -1.0)
    empty = 0
    for name, reference, hypothesis, _ in results:
        ref, hyp = fold(reference), fold(hypothesis)
        edits = edit_distance(ref, hyp)
        char_edits, char_total = char_edits + edits, char_total + len(ref)
        word_edits += edit_distance(ref.split(), hyp.split())
        word_total += len(ref.split())
        page_cer = edits / max(len(ref), 1)
        if page_cer > worst[1]:
            worst = (name, page_cer)
        empty += not hyp
    return {
        "cer": char_edits / max(char_total, 1),
        "wer": word_edits / max(word_total, 1),
        "worst": worst,
        "empty": empty,
        "median_s": statistics.median(r[3] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=6, help="pages per class")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the rendered pages in this directory")
    parser.add_argument("--classes", default=",".join(CLASSES))
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="sohoa-ocr-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    pages = make_pages(directory, args.pages, args.seed)
    wanted = args.classes.split(",")
    print(f"{'class':<9} {'side':<10} {'CER':>8} {'WER':>8} {'empty':>5} {'median s':>9}  worst page")
    for cls in wanted:
        ours = run_sohoa([p for p, _ in pages[cls]])
        sides = {
            "sohoa": [(p.name, ref, *ours[str(p)]) for p, ref in pages[cls]],
            "tesseract": [(p.name, ref, *run_plain(p)) for p, ref in pages[cls]],
        }
        for side, results in sides.items():
            s = score(results)
            print(
                f"{cls:<9} {side:<10} {s['cer']:8.2%} {s['wer']:8.2%} {s['empty']:5d} {s['median_s']:9.2f}"
                f"  {s['worst'][0]} ({s['worst'][1]:.2%})",
                flush=True,
            )
    print(f"pages kept in {directory}" if args.keep else "")


if __name__ == "__main__":
    main()
