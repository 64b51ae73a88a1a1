"""Pages per hour on the real engine, against plain tesseract on the same pages and the same cores.

A batch of scanned Vietnamese pages (default 200: 20 image-only PDFs of 10 pages) is digitized
- embedded (``sohoa run``: dag.test(), SQLite, local store; pages read by SOHOA_OCR_WORKERS=cores),
- on Airflow with the CeleryExecutor and 1, then 2 Celery workers (one task, one core each; catalog
  on PostgreSQL, store on an S3 server), storage, catalog and quality checks included,
and the same pages, rasterised to PNG beforehand (not timed), go through ``tesseract -l vie`` with
one process per core (OMP_THREAD_LIMIT=1). The ratios are what to quote: this machine's speed
drifts, so every figure comes from one run. Each Celery run also prints its stages' timeline.

    .venv/bin/python benchmarks/engine_throughput.py [--pages 200] [--per-file 10] [--skip plain,embedded,1,2]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CORPUS = Path(__file__).with_name("corpus_vi.txt")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def build_batch(inbox: Path, pages: int, per_file: int, seed: int = 11) -> list[Path]:
    """Image-only PDFs of decision-like pages, with a manifest; returns the per-page PNGs too."""
    from ocr.render import Line, render_page, scanned
    from repository.intake.samples import HUONG, MANIFEST_COLUMNS, image_pdf

    rng = random.Random(seed)
    corpus = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    inbox.mkdir(parents=True)
    images = inbox.parent / "png"
    images.mkdir()
    rows, pngs = [], []
    for n in range(0, pages, per_file):
        sheets = []
        for _ in range(min(per_file, pages - n)):
            lines = [Line("QUYẾT ĐỊNH", "center", "bold", 14)]
            lines += [Line(rng.choice(corpus), space_before=4) for _ in range(12)]
            sheet = scanned(render_page(lines), rng)
            sheets.append(sheet)
            pngs.append(images / f"{len(pngs):04d}.png")
            sheet.convert("L").save(pngs[-1], dpi=(300, 300))
        name = f"ho_so_{n // per_file:03d}.pdf"
        (inbox / name).write_bytes(image_pdf(sheets))
        rows.append(
            [
                name,
                f"UBTX-261201-{n // per_file:05d}",
                "HT.CUTRU",
                "UBND.TX",
                "citizen",
                HUONG.personal_id,
                HUONG.name,
                "",
                "component",
            ]
        )
    with open(inbox / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(rows)
    return pngs


def plain_tesseract(pngs: list[Path], cores: int, out: Path) -> float:
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    out.mkdir(exist_ok=True)

    def one(png: Path) -> None:
        subprocess.run(
            ["tesseract", str(png), str(out / png.stem), "-l", "vie", "txt", "pdf"],
            env=env,
            check=True,
            capture_output=True,
        )

    start = time.monotonic()
    with ThreadPoolExecutor(cores) as pool:
        list(pool.map(one, pngs))
    return time.monotonic() - start


def embedded(inbox: Path, home: Path, cores: int) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SOHOA_"))}
    env |= {"SOHOA_HOME": str(home), "SOHOA_OCR_WORKERS": str(cores), "OMP_THREAD_LIMIT": "1"}
    sohoa = str(Path(sys.executable).with_name("sohoa"))
    # Set up as the Celery runs are before their clock starts: Airflow's metadata and the catalog
    # migrated. A new home's first run pays this once.
    setup = (
        "from repository.pipeline.runner import configure_airflow; configure_airflow(); "
        "from airflow.utils.db import initdb; initdb(); "
        "from repository.catalog.db import migrate; migrate()"
    )
    subprocess.run([sys.executable, "-c", setup], env=env, check=True, capture_output=True)
    start = time.monotonic()
    done = subprocess.run([sohoa, "run", str(inbox), "--json"], env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode:
        raise RuntimeError(f"sohoa run failed: {done.stderr[-2000:]}")
    return wall


def stage_timeline(task_instances: list[dict]) -> list[str]:
    """Per task: how many ran, their median duration, and when the first began and the last ended
    (seconds from the run's first queued task). Shows where a run's time goes beyond the reading:
    barriers between mapped stages, per-task start-up, fixed stages."""

    from tests.engine.deployment import timestamp as at

    ran = [
        (
            ti["task_id"],
            at(ti.get("queued_when") or ti["start_date"]),
            at(ti["start_date"]),
            at(ti["end_date"]),
        )
        for ti in task_instances
        if ti.get("start_date") and ti.get("end_date")
    ]
    if not ran:
        return []
    origin = min(queued for _, queued, _, _ in ran)
    stages: dict[str, list[tuple[datetime, datetime]]] = {}
    for task_id, _, began, ended in sorted(ran, key=lambda row: row[2]):
        stages.setdefault(task_id, []).append((began, ended))
    rows = []
    for task_id, spans in stages.items():
        median = statistics.median((ended - began).total_seconds() for began, ended in spans)
        first = (spans[0][0] - origin).total_seconds()
        last = (max(ended for _, ended in spans) - origin).total_seconds()
        rows.append(
            f"    {task_id:<16} x{len(spans):<4} median {median:6.1f} s"
            f"   from {first:7.1f} s to {last:7.1f} s"
        )
    return rows


def cpu_seconds(deployment) -> dict[str, float]:
    """CPU used so far by each component's process tree, and by the PostgreSQL and Redis servers.
    A process's own time plus that of the children it reaped: task processes die, the pool that forked
    them lives on."""
    import psutil

    def tree(processes) -> float:
        total = 0.0
        for process in processes:
            try:
                t = process.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
        return total

    used = {}
    for name, popen in deployment.processes.items():
        try:
            root = psutil.Process(popen.pid)
            used[name] = tree([root, *root.children(recursive=True)])
        except psutil.NoSuchProcess:
            used[name] = 0.0
    for server in ("postgres", "redis-server"):
        # Every server process: the postmaster's children times hold the backends that ended.
        used[server] = tree(p for p in psutil.process_iter(["name"]) if p.info["name"] == server)
    return used


def on_celery(inbox: Path, workers: int) -> tuple[float, list[str]]:
    from tests.engine.deployment import Deployment

    deployment = Deployment(postgres=os.environ.get("SOHOA_TEST_DATABASE_URL") or DEFAULT_PG, workers=workers)
    try:
        deployment.start()
        before = cpu_seconds(deployment)
        run_id = deployment.trigger(inbox)
        # Polled seldom, so the polling costs the api-server little; the run's timestamps give its time.
        state = deployment.wait_run(run_id, 7200, every=10)
        after = cpu_seconds(deployment)
        if state != "success":
            raise RuntimeError(f"run {state}: {deployment.log_tail('scheduler')}")
        wall = deployment.run_seconds(run_id)
        used = {name: after[name] - before.get(name, 0.0) for name in after}
        cpu = "    CPU s: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in used.items())
        return wall, [*stage_timeline(deployment.task_instances(run_id)), cpu]
    finally:
        deployment.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--per-file", type=int, default=10)
    parser.add_argument("--skip", default="", help="comma-separated: plain (then no ratios), embedded, 1, 2")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="sohoa-throughput-"))
    try:
        measure(work, args, skip)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, args: argparse.Namespace, skip: set[str]) -> None:
    pngs = build_batch(work / "inbox", args.pages, args.per_file)
    cores = os.cpu_count() or 1
    print(f"{len(pngs)} pages in {len(list((work / 'inbox').glob('*.pdf')))} files; {cores} cores")

    def line(label: str, wall: float, base: float | None) -> None:
        ratio = f"   ratio {base / wall:5.2f}x" if base else ""  # none when plain tesseract was skipped
        print(f"{label:<44} {wall:8.1f} s {len(pngs) * 3600 / wall:8.0f} pages/h{ratio}")

    base: dict[int, float | None] = dict.fromkeys({1, min(2, cores)})
    if "plain" not in skip:
        base = {n: plain_tesseract(pngs, n, work / f"tess{n}") for n in sorted(base)}
        for n, wall in base.items():
            line(f"plain tesseract -l vie, {n} process(es)", wall, wall)
    if "embedded" not in skip:
        n = min(2, cores)
        line(f"sohoa run (embedded, {n} OCR workers)", embedded(work / "inbox", work / "home", n), base[n])
    for workers in (1, 2):
        if str(workers) not in skip:
            # Each worker run digitizes a fresh copy: a catalog of its own, so nothing is skipped as done.
            wall, timeline = on_celery(work / "inbox", workers)
            line(f"Airflow CeleryExecutor, {workers} worker(s)", wall, base[min(workers, cores)])
            print("\n".join(timeline))


if __name__ == "__main__":
    main()
