"""``make engine-test``: digitize a batch on a real Airflow 3 deployment with two Celery workers,
SIGKILL one of them while it reads a file's pages, take the object store away for a while, and check that the
run still succeeds with every file digitized exactly once.

Its last line (what the issue asks to see):
    engine run: files=N digitized=N lost=0 duplicated=0 killed_workers=K executor=CeleryExecutor wall_s=S
Exit status 0 only when the run succeeded, nothing is lost or duplicated, no object is an orphan or
missing and the audit chain verifies.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psutil

from tests.engine.deployment import Deployment

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
TASK = "digitize_file"  # one mapped task per file: store, read pages, understand


def say(message: str) -> None:
    print(f"[engine] {message}", flush=True)


def worker_running(deployment: Deployment, pid: int) -> str | None:
    """The worker whose process tree holds the task process ``pid``."""
    for name, process in deployment.processes.items():
        if not name.startswith("worker-") or process.poll() is not None:
            continue
        try:
            tree = {process.pid} | {c.pid for c in psutil.Process(process.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            continue
        if pid in tree:
            return name
    return None


def preloaded(deployment: Deployment) -> list[str]:
    """Workers whose processes have not loaded the OCR stack before any task ran: the preload
    (repository/pipeline/worker.py) did not happen. OpenCV, which the OCR modules import, is a shared
    library, so it shows in a process's memory map."""
    missing = []
    for name, process in deployment.processes.items():
        if name.startswith("worker-") and process.poll() is None:
            tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
            if not any("/cv2/" in Path(f"/proc/{p.pid}/maps").read_text() for p in tree):
                missing.append(name)
    return missing


def reading(item_id: str) -> bool:
    """Whether the catalog says the item's pages are being read (past storing, before any writes)."""
    from repository.catalog.db import session_scope
    from repository.catalog.models import BatchItem, ItemStatus

    with session_scope() as session:
        item = session.get(BatchItem, item_id)
        return item is not None and item.status == ItemStatus.READING


def kill_a_reading_worker(deployment: Deployment, run_id: str, timeout: float = 600) -> dict | None:
    """Wait for a ``digitize_file`` task reading its file's pages on a worker, then SIGKILL that worker."""
    deadline = time.monotonic() + timeout
    items: list[str] = []  # list_items' XCom: the item each map index digitizes
    while time.monotonic() < deadline:
        items = items or deployment.xcom(run_id, "list_items") or []
        for ti in deployment.task_instances(run_id):
            if ti["task_id"] != TASK or ti["state"] != "running" or not ti.get("pid"):
                continue
            worker = worker_running(deployment, ti["pid"])
            if not worker or ti["map_index"] >= len(items) or not reading(items[ti["map_index"]]):
                continue
            time.sleep(0.2)  # inside the reading, most likely past the download
            if worker_running(deployment, ti["pid"]) != worker:
                continue  # finished meanwhile (a fast machine reads a sample quickly)
            # Still reading after the kill, or the pages were recorded first: a task can report its
            # success and still be alive for a moment, and a fast machine reads a sample in a second.
            if ti["pid"] in deployment.kill(worker) and reading(items[ti["map_index"]]):
                say(f"SIGKILL {worker} while {TASK}[{ti['map_index']}] read its pages")
                return ti
            # The reading ended between the look and the kill: another worker takes the lost one's
            # place, and the next reading task is tried.
            spare = len([n for n in deployment.processes if n.startswith("worker-")]) + 1
            deployment.add_worker(spare)
            say(f"{TASK}[{ti['map_index']}] had read its pages before {worker} died; worker-{spare} added")
            break
        if deployment.run_state(run_id) in ("success", "failed"):
            return None
        time.sleep(0.5)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--store-outage", type=float, default=30.0, help="seconds without the store (0: none)"
    )
    parser.add_argument("--timeout", type=float, default=1200.0)
    args = parser.parse_args(argv)

    postgres = os.environ.get("SOHOA_TEST_DATABASE_URL") or DEFAULT_PG
    redis = os.environ.get("SOHOA_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    deployment = Deployment(postgres=postgres, redis=redis, workers=args.workers)
    try:
        started = time.monotonic()
        say(f"starting Airflow (CeleryExecutor, {args.workers} workers) under {deployment.root}")
        deployment.start()
        os.environ.update({k: v for k, v in deployment.env().items() if k.startswith("SOHOA_")})
        from repository.intake.samples import generate
        from repository.storage import open_store
        from tests.engine.snapshot import take

        inbox = deployment.sohoa_home / "inbox"
        generate(inbox)
        files = sum(1 for p in inbox.iterdir() if p.name != "manifest.csv")
        not_preloaded = preloaded(deployment)
        t0 = time.monotonic()
        run_id = deployment.trigger(inbox)
        say(f"triggered {run_id} through the REST API ({time.monotonic() - started:.0f} s to start)")
        killed = kill_a_reading_worker(deployment, run_id) if args.workers > 1 else None
        if args.store_outage:
            deployment.relay.cut()
            say(f"object store cut off for {args.store_outage:.0f} s")
            time.sleep(args.store_outage)
            deployment.relay.restore()
            say("object store back")
        state = deployment.wait_run(run_id, args.timeout)
        wall = time.monotonic() - t0
        tis = deployment.task_instances(run_id)
        retried = [f"{t['task_id']}[{t['map_index']}] x{t['try_number']}" for t in tis if t["try_number"] > 1]
        say(f"run {state}; retried: {', '.join(retried) or 'none'}")
        snapshot = take(os.environ["SOHOA_DATABASE_URL"], open_store())
        digitized = snapshot.digitized()
        problems = []
        if state != "success":
            problems.append(f"run state {state}")
        if not_preloaded:
            problems.append(f"the OCR modules were not preloaded in {', '.join(not_preloaded)}")
        if args.workers > 1 and killed is None:
            problems.append(f"no worker was killed while a {TASK} task read its pages")
        if killed is not None:
            again = next(t for t in tis if t["task_id"] == TASK and t["map_index"] == killed["map_index"])
            if again["state"] != "success" or again["try_number"] < 2:
                problems.append(f"the killed task ended {again['state']} after {again['try_number']} tries")
        for what in ("orphans", "missing", "audit_problems"):
            if getattr(snapshot, what):
                problems.append(f"{what}: {getattr(snapshot, what)[:5]}")
        if problems:
            for name in ("scheduler", *[n for n in deployment.processes if n.startswith("worker-")]):
                say(f"--- {name} log tail ---\n{deployment.log_tail(name)}")
        # After the logs: CI keeps only the tail of what a failing run printed.
        for problem in problems:
            say(f"PROBLEM: {problem}")
        lost = files - digitized
        print(
            f"engine run: files={files} digitized={digitized} lost={lost} duplicated={snapshot.duplicated} "
            f"killed_workers={len(deployment.killed)} executor=CeleryExecutor wall_s={wall:.0f}",
            flush=True,
        )
        return 0 if not problems and lost == 0 and snapshot.duplicated == 0 else 1
    finally:
        deployment.stop()


if __name__ == "__main__":
    sys.exit(main())
