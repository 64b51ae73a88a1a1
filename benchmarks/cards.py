"""ID-card photos: specimen cards drawn by the project (``ocr.specimen_cards``), photographed on a desk at
any rotation, read by sohoa and by plain `tesseract -l vie`, side by side.

Per card model and side it prints:
- printed values **found** in the page text (sohoa's, then tesseract's): every value the card prints,
  looked for in the text with case, spacing and punctuation ignored;
- fields **exact** (sohoa's understanding on sohoa's text): the field extracted equals the printed value;
- type right (cccd / cmnd), and CPU seconds per card on one core.

No real person's card is used: the people are fictional and drawn fresh from the seed.

    .venv/bin/python benchmarks/cards.py [--cards 4] [--seed 1] [--models cccd_2021,...] [--keep DIR]
                                         [--cropped | --close] [--slant 30] [--shrink 0.5] [--glare 0.6]
                                         [--light-desk | --wood]
                                         [--verbose]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import date
from pathlib import Path

from PIL import Image

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr.specimen_cards import MODELS, SIDES, draw_card, holder, on_desk, with_glare  # noqa: E402

TYPES = {"cccd_2021": "cccd", "can_cuoc_2024": "cccd", "cmnd": "cmnd"}


def plain(text: str) -> str:
    """Compared without case, tone-mark encoding, spacing or punctuation."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(c for c in text if c.isalnum())


def as_printed(value: str, printed: str) -> str:
    """An extracted value in the card's own spelling (dates are extracted as ISO dates; a CMND's back
    writes its date in words)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    if "tháng" in printed:
        return f"{day.day:02d} tháng {day.month:02d} năm {day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def read_plain(path: Path) -> tuple[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(["tesseract", str(path), "-", "-l", "vie"], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done.stdout, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(
    cards: int,
    seed: int,
    models: list[str],
    keep: Path | None,
    cropped: bool = False,
    slant: float = 0.0,
    shrink: float = 1.0,
    glare: float = 0.0,
    close: bool = False,
    light_desk: bool = False,
    wood: bool = False,
) -> dict:
    from ocr.document import read_document
    from ocr.understand import understand

    rng = random.Random(seed)
    rows: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(cards):
            person = holder(rng)
            for model in models:
                for side in SIDES:
                    specimen = draw_card(person, model, side, rng)
                    # Cropped: the photo is the card alone (no desk to find it by), as many are sent.
                    # Slant: the phone held at up to this many degrees about each axis.
                    tilt = (rng.uniform(-slant, slant), rng.uniform(-slant, slant)) if slant else None
                    if cropped:
                        photo = specimen.image.convert("RGB")
                    elif close:
                        # Taken close: the card fills the frame's width (98-108 %: its ends cut off),
                        # square to it. Its own generator: the same people as without.
                        near = random.Random(f"{seed}-{model}-{side}-{n}-close")
                        turn = near.choice([0, 180]) + near.uniform(-3, 3)
                        photo = on_desk(specimen.image, near, turn=turn, card_share=near.uniform(0.98, 1.08))
                    else:
                        photo = on_desk(specimen.image, rng, slant=tilt, light_desk=light_desk, wood=wood)
                    if glare:
                        # Its own generator: the same people and photos as without glare.
                        photo = with_glare(photo, random.Random(f"{seed}-{model}-{side}-{n}"), glare)
                    quality = 90
                    if shrink != 1.0:
                        # Shared small, as chat apps and web forms send photos: fewer pixels, more JPEG.
                        size = (round(photo.width * shrink), round(photo.height * shrink))
                        photo, quality = photo.resize(size, Image.LANCZOS), 75
                    path = folder / f"{model}-{side}-{n}.jpg"
                    photo.save(path, "JPEG", quality=quality, dpi=(72, 72))
                    plain_text, plain_cpu = read_plain(path)
                    start = time.process_time()
                    reading = read_document(path, workers=1)
                    cpu = time.process_time() - start
                    found = understand([(p.number, p.text, p.confidence) for p in reading.pages])
                    if keep:
                        path.with_suffix(".sohoa.txt").write_text(reading.text, encoding="utf-8")
                        path.with_suffix(".tesseract.txt").write_text(plain_text, encoding="utf-8")
                    row = rows.setdefault(
                        (model, side),
                        {"values": 0, "found": 0, "found_plain": 0, "exact": 0, "fields": 0, "type": 0,
                         "cards": 0, "cpu": 0.0, "cpu_plain": 0.0, "misses": []},
                    )  # fmt: skip
                    row["cards"] += 1
                    row["cpu"] += cpu
                    row["cpu_plain"] += plain_cpu
                    row["type"] += found.type == TYPES[model]
                    ours, theirs = plain(reading.text), plain(plain_text)
                    for name, value in specimen.printed.items():
                        row["values"] += 1
                        row["found"] += plain(value) in ours
                        if plain(value) not in ours:
                            row["misses"].append(f"{model}-{side}-{n} {name} not in the text: {value!r}")
                        row["found_plain"] += plain(value) in theirs
                        extracted = found.fields.get(name)
                        read = as_printed(extracted.value, value) if extracted else None
                        ok = read is not None and plain(read) == plain(value)
                        row["fields"] += 1
                        row["exact"] += ok
                        if not ok:
                            row["misses"].append(
                                f"{model}-{side}-{n} {name}: {extracted.value if extracted else None!r}"
                            )
    return rows


def report(rows: dict, verbose: bool) -> None:
    print(
        f"{'card':24} {'n':>3} | {'found sohoa':>11} {'tess':>6} | {'exact':>7} | {'type':>5} | "
        f"{'CPU s sohoa':>11} {'tess':>5}"
    )
    totals = {"values": 0, "found": 0, "found_plain": 0, "exact": 0, "fields": 0}
    for (model, side), r in rows.items():
        print(
            f"{model + ' ' + side:24} {r['cards']:>3} | {r['found'] / r['values']:>11.2f} "
            f"{r['found_plain'] / r['values']:>6.2f} | {r['exact'] / r['fields']:>7.2f} | "
            f"{r['type']:>2}/{r['cards']:<2} | {r['cpu'] / r['cards']:>11.2f} "
            f"{r['cpu_plain'] / r['cards']:>5.2f}"
        )
        for key in totals:
            totals[key] += r[key]
        if verbose:
            for miss in r["misses"]:
                print("    miss", miss)
    print(
        f"all: printed values found sohoa {totals['found'] / totals['values']:.2f}, tesseract "
        f"{totals['found_plain'] / totals['values']:.2f}; "
        f"fields exact {totals['exact'] / totals['fields']:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=4, help="people, each card model and side photographed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--keep", type=Path, help="keep the photos and both texts here")
    parser.add_argument("--verbose", action="store_true", help="list the fields missed")
    parser.add_argument("--cropped", action="store_true", help="photos cropped to the card, no desk round it")
    parser.add_argument("--slant", type=float, default=0.0, help="photos at up to this slant (degrees)")
    parser.add_argument(
        "--shrink", type=float, default=1.0, help="photos shared at this fraction of their size, JPEG q75"
    )
    parser.add_argument("--glare", type=float, default=0.0, help="a reflection on the card, white at 1")
    parser.add_argument("--close", action="store_true", help="photos taken close, the card filling the frame")
    parser.add_argument(
        "--light-desk", action="store_true", help="on a white table or paper, not a dark desk"
    )
    parser.add_argument("--wood", action="store_true", help="on a wooden desk, its grain showing")
    args = parser.parse_args()
    rows = run(
        args.cards, args.seed, args.models.split(","), args.keep, args.cropped, args.slant, args.shrink,
        args.glare, args.close, args.light_desk, args.wood,
    )  # fmt: skip
    report(rows, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
