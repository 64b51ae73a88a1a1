"""Real paper: sohoa against plain `tesseract -l vie` on `../shared/realdocs`, per family, side by side.

The pages are real scans, shares and scanner PDFs nobody on this project drew (see the folder's README).
Each page is read twice on one core: by plain tesseract (the command, nothing else done to the image) and
by sohoa's page reading (``ocr.document.read_document``, one worker). Both texts are scored by the
folder's own ``score.py`` (the normalisation the independent benchmark uses), and this prints, per family:
page CER, order-free line CER, empty pages and CPU seconds per page, sohoa beside tesseract; and the
understanding stage's fields exact and type against the ground truth's ``fields.json`` (on sohoa's text
and, for comparison, on tesseract's).

Families are split the way they were used while developing:
- ``dev``: looked at while the page reading was tuned (ail_scans, ail_letters, epu_jpeg, epu_bw300);
- ``held-out``: never looked at while tuning (epu_scan200, epu_scan300, vks_share). Only these say how
  unseen paper may go.

    .venv/bin/python benchmarks/realdocs.py [--pages 20] [--family F,...] [--keep DIR] [--json OUT]
                                            [--check-floor] [--rescore DIR]

``--check-floor`` exits 1 when sohoa reads any family worse than plain tesseract (the CI floor test).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REALDOCS = Path(os.environ.get("SOHOA_REALDOCS", ROOT.parent / "shared" / "realdocs"))
DEV = ("ail_scans", "ail_letters", "epu_jpeg", "epu_bw300")
HELD_OUT = ("epu_scan200", "epu_scan300", "vks_share")
# Equal within this much (CER points): rounding noise of one character on a short page is not "worse".
FLOOR_SLACK = 0.002


def manifest(realdocs: Path = REALDOCS) -> list[dict]:
    return json.loads((realdocs / "manifest.json").read_text(encoding="utf-8"))["items"]


def read_plain(image: Path) -> tuple[str, float]:
    """Plain tesseract's text and the CPU seconds its process took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        ["tesseract", str(image), "-", "-l", "vie"],
        capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, cpu


def read_sohoa(image: Path) -> tuple[str, float, list[str]]:
    """sohoa's text of the page, the CPU seconds it took in this process, and what each page's
    preprocessing did (its notes)."""
    from ocr.document import read_document

    start = time.process_time()
    reading = read_document(image, workers=1)
    return reading.text, time.process_time() - start, [p.note or "" for p in reading.pages]


def extract_fields(hyp_dir: Path, items: list[dict]) -> Path:
    """The understanding stage on each page's text (as the pipeline runs it on a document's pages),
    written in score.py's ``--fields`` form, as ``sohoa extract --json`` names them."""
    from ocr.understand import understand
    from ocr.understand.registry import exchange_type

    extracted = {}
    for item in items:
        path = hyp_dir / f"{item['id']}.txt"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        reading = understand([(1, text, 90.0)])
        # Types in the interchange vocabulary the ground truth uses (a notice is "other" there).
        kind = exchange_type(reading.type)
        extracted[item["id"]] = {"type": kind, "fields": {n: f.value for n, f in reading.fields.items()}}
    out = hyp_dir / "fields.json"
    out.write_text(json.dumps(extracted, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def score(hyp_dir: Path, realdocs: Path, items: list[dict]) -> dict:
    out = hyp_dir / "score.json"
    fields = extract_fields(hyp_dir, items)
    subprocess.run(
        [sys.executable, str(realdocs / "score.py"), str(hyp_dir), "--fields", str(fields),
         "--json", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    return json.loads(out.read_text(encoding="utf-8"))


def run(items: list[dict], realdocs: Path, workdir: Path, verbose: bool = True, read: bool = True) -> dict:
    """Read every page both ways (or, ``read`` False, take the texts kept in ``workdir`` by an earlier
    run); returns per-family figures for both sides."""
    sides = {"tesseract": workdir / "tesseract", "sohoa": workdir / "sohoa"}
    for folder in sides.values():
        folder.mkdir(parents=True, exist_ok=True)
    cpu = {"tesseract": {}, "sohoa": {}}
    empty = {"tesseract": {}, "sohoa": {}}
    for item in items if not read else []:
        for side, folder in sides.items():
            hyp = (folder / f"{item['id']}.txt").read_text(encoding="utf-8")
            cpu[side][item["family"]] = 0.0
            empty[side][item["family"]] = empty[side].get(item["family"], 0) + (not hyp.strip())
    for item in items if read else []:
        image = realdocs / item["image"]
        plain, plain_cpu = read_plain(image)
        text, sohoa_cpu, notes = read_sohoa(image)
        for side, hyp, seconds in (("tesseract", plain, plain_cpu), ("sohoa", text, sohoa_cpu)):
            (sides[side] / f"{item['id']}.txt").write_text(hyp, encoding="utf-8")
            family = item["family"]
            cpu[side][family] = cpu[side].get(family, 0.0) + seconds
            empty[side][family] = empty[side].get(family, 0) + (not hyp.strip())
        if verbose:
            print(f"  {item['id']:22} {plain_cpu:5.1f}s / {sohoa_cpu:5.1f}s  {'; '.join(notes)}", flush=True)
    scores = {side: score(folder, realdocs, items) for side, folder in sides.items()}
    ids = {item["id"] for item in items}
    families: dict[str, dict] = {}
    for item in items:
        families.setdefault(item["family"], {"pages": 0})["pages"] += 1
    for family, figures in families.items():
        for side in sides:
            # score.py scores the whole manifest; pages not read this run are left out of the pool.
            pages = [p for p in scores[side]["pages"] if p["id"] in ids and p["family"] == family]
            fields = [v[2] for p in pages for v in p.get("fields", {}).values()]
            types = [p["type"][0] == p["type"][1] for p in pages if "type" in p]
            figures[side] = {
                "cer": _pooled(pages, "cer", realdocs),
                "line_cer": _pooled(pages, "line_cer", realdocs),
                "empty": empty[side][family],
                "cpu_per_page": cpu[side][family] / figures["pages"],
                "fields_exact": [sum(fields), len(fields)],
                "type_ok": [sum(types), len(types)],
            }
    return {"families": families, "pages": {s: scores[s]["pages"] for s in sides}}


def _pooled(pages: list[dict], key: str, realdocs: Path) -> float | None:
    """Pooled over the pages read: per-page rates weighted by each page's ground-truth length."""
    rated = [p for p in pages if key in p]
    if not rated:
        return None
    weights = [_gt_length(p["id"], realdocs) for p in rated]
    return sum(p[key] * w for p, w in zip(rated, weights, strict=True)) / max(1, sum(weights))


_GT: dict[str, int] = {}


def _gt_length(page_id: str, realdocs: Path) -> int:
    if page_id not in _GT:
        folder = realdocs / "gt"
        text = next(
            (folder / f"{page_id}{ext}").read_text(encoding="utf-8")
            for ext in (".gt.txt", ".lines.txt")
            if (folder / f"{page_id}{ext}").exists()
        )
        _GT[page_id] = len(" ".join(text.split()))
    return _GT[page_id]


def worse_families(result: dict) -> list[str]:
    """Families sohoa reads worse than plain tesseract, on page CER or line CER."""
    worse = []
    for family, figures in result["families"].items():
        for key in ("cer", "line_cer"):
            ours, plain = figures["sohoa"][key], figures["tesseract"][key]
            if ours is not None and plain is not None and ours > plain + FLOOR_SLACK:
                worse.append(f"{family} ({key} {100 * ours:.2f}% > {100 * plain:.2f}%)")
        if figures["sohoa"]["empty"] > figures["tesseract"]["empty"]:
            worse.append(f"{family} (empty pages)")
    return worse


def report(result: dict) -> None:
    def pct(value: float | None) -> str:
        return f"{100 * value:6.2f}%" if value is not None else "      -"

    def share(pair: list[int]) -> str:
        return f"{pair[0]:>2}/{pair[1]:<2}" if pair[1] else "  -  "

    print(
        f"\n{'family':13} {'split':9} {'pages':>5} | {'CER sohoa':>9} {'tess':>7} | {'line sohoa':>10} "
        f"{'tess':>7} | {'empty':>5} | {'CPU s/p sohoa':>13} {'tess':>5} {'ratio':>5} | {'fields':>13} "
        f"| {'type':>11}"
    )
    totals = {"sohoa": 0.0, "tesseract": 0.0, "pages": 0}
    for split, names in (("dev", DEV), ("held-out", HELD_OUT), ("other", ())):
        for family, f in result["families"].items():
            known = family in DEV or family in HELD_OUT
            if (split == "other" and known) or (split != "other" and family not in names):
                continue
            s, t = f["sohoa"], f["tesseract"]
            ratio = s["cpu_per_page"] / t["cpu_per_page"] if t["cpu_per_page"] else float("nan")
            print(
                f"{family:13} {split:9} {f['pages']:>5} | {pct(s['cer']):>9} {pct(t['cer']):>7} | "
                f"{pct(s['line_cer']):>10} {pct(t['line_cer']):>7} | {s['empty']:>2}/{t['empty']:<2} | "
                f"{s['cpu_per_page']:>13.2f} {t['cpu_per_page']:>5.2f} {ratio:>5.2f} | "
                f"{share(s['fields_exact'])} {share(t['fields_exact'])} | "
                f"{share(s['type_ok'])} {share(t['type_ok'])}"
            )
            totals["sohoa"] += s["cpu_per_page"] * f["pages"]
            totals["tesseract"] += t["cpu_per_page"] * f["pages"]
            totals["pages"] += f["pages"]
    if totals["pages"] and totals["tesseract"]:
        ours, plain = totals["sohoa"] / totals["pages"], totals["tesseract"] / totals["pages"]
        print(f"CPU per page, all: sohoa {ours:.2f} s, tesseract {plain:.2f} s, ratio {ours / plain:.2f}")
    for side in ("sohoa", "tesseract"):
        fields = [sum(f[side]["fields_exact"][i] for f in result["families"].values()) for i in (0, 1)]
        types = [sum(f[side]["type_ok"][i] for f in result["families"].values()) for i in (0, 1)]
        print(
            f"Fields exact ({side} text, sohoa's understanding): {fields[0]}/{fields[1]}; "
            f"type {types[0]}/{types[1]}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realdocs", type=Path, default=REALDOCS)
    parser.add_argument("--pages", type=int, help="read only the first N pages (spread over families)")
    parser.add_argument("--family", help="comma-separated families to read")
    parser.add_argument("--keep", type=Path, help="keep both sides' texts in this folder")
    parser.add_argument(
        "--rescore", type=Path, help="score the texts an earlier --keep left here, read nothing"
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--check-floor", action="store_true", help="exit 1 when a family reads worse")
    args = parser.parse_args()
    items = manifest(args.realdocs)
    if args.family:
        wanted = set(args.family.split(","))
        items = [i for i in items if i["family"] in wanted]
    if args.pages:
        items = _spread(items, args.pages)
    with tempfile.TemporaryDirectory(prefix="sohoa-realdocs-") as tmp:
        workdir = args.rescore or args.keep or Path(tmp)
        result = run(items, args.realdocs, workdir, read=args.rescore is None)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    worse = worse_families(result)
    if worse:
        print("sohoa reads worse than plain tesseract: " + "; ".join(worse))
    return 1 if worse and args.check_floor else 0


def _spread(items: list[dict], count: int) -> list[dict]:
    """``count`` pages taken round-robin over the families, so a short run still sees every family."""
    by_family: dict[str, list[dict]] = {}
    for item in items:
        by_family.setdefault(item["family"], []).append(item)
    picked: list[dict] = []
    while len(picked) < count and any(by_family.values()):
        for pages in by_family.values():
            if pages and len(picked) < count:
                picked.append(pages.pop(0))
    return picked


if __name__ == "__main__":
    sys.exit(main())
