"""``sohoa run`` SIGKILLed at several moments, then run again, ends exactly as an uninterrupted run:
the same items, documents, statuses, fields, pages, links and objects; no orphan or missing object;
a valid audit chain. The kill points are seen from outside, in the catalog, as an operator would see
them: nothing in the code under test knows it is being killed."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from repository.intake.samples import MANIFEST_COLUMNS, SAMPLE_ROWS, generate
from repository.storage import LocalStore
from tests.engine.snapshot import take
from tests.helpers import PrivatePostgres, wait_for

SOHOA = str(Path(sys.executable).with_name("sohoa"))
# A scanned PDF, a phone photo, a born-digital PDF and the photo handed in again (the multi-page TIFF
# is left out: it doubled the time of each of the eleven runs, and other tests read it).
FILES = (
    "hs01_cccd_chup_dien_thoai.jpg",
    "hs01_xac_nhan_tinh_trang_hon_nhan.pdf",
    "hs03_giay_chung_nhan_dkdn.pdf",
    "hs05_cccd_nop_lai.jpg",
)

# What the catalog shows at the moment of the kill (SQL over the run's own SQLite catalog).
KILL_POINTS = {
    "batch registered, nothing stored": "SELECT count(*) FROM batch_item",
    # Each file goes through every stage before the next (one task per file): the first document row
    # is the first original stored and linked, its pages not read yet.
    "an original stored, nothing read": "SELECT count(*) FROM document",
    "pages being read": "SELECT count(*) FROM batch_item WHERE status = 'reading'",
    "a document understood": "SELECT count(*) FROM document WHERE fields IS NOT NULL",
    "quality being checked": "SELECT count(*) FROM batch WHERE finished_at IS NOT NULL",
}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    full = generate(tmp_path_factory.mktemp("all") / "inbox").parent
    inbox = tmp_path_factory.mktemp("crash") / "inbox"
    inbox.mkdir()
    with open(inbox / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MANIFEST_COLUMNS)
        for file, case, procedure, agency, (kind, ident, name), doc_type, role in SAMPLE_ROWS:
            if file in FILES:
                (inbox / file).write_bytes((full / file).read_bytes())
                writer.writerow([file, case, procedure, agency, kind, ident, name, doc_type, role])
    return inbox


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOHOA_DATABASE", "SOHOA_STORAGE", "SOHOA_TASK_RETRIES", "AIRFLOW"))
    }
    return env | {"SOHOA_HOME": str(home), "SOHOA_AUDIT_KEY": "crash-test-key"}


def _run(home: Path, inbox: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SOHOA, "run", str(inbox), "--json"], env=_env(home), capture_output=True, text=True, timeout=600
    )


def _seen(catalog: Path, query: str) -> bool:
    if not catalog.exists():
        return False
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=0.2) as conn:
            return conn.execute(query).fetchone()[0] > 0
    except sqlite3.Error:
        return False  # not created yet, or locked this instant


def _snapshot(home: Path):
    return take(f"sqlite:///{home / 'catalog.db'}", LocalStore(home / "objects"))


@pytest.fixture(scope="module")
def uninterrupted(inbox: Path, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("whole") / "home"
    done = _run(home, inbox)
    assert done.returncode == 0, done.stderr[-3000:]
    # Probe II item 17: --json printed Airflow's log lines before the JSON.
    assert json.loads(done.stdout)["run_state"] == "success", done.stdout[:500]
    return _snapshot(home)


@pytest.mark.parametrize("moment", list(KILL_POINTS))
def test_a_run_killed_then_rerun_ends_as_an_uninterrupted_run(
    moment: str, inbox: Path, uninterrupted, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run = subprocess.Popen(
        [SOHOA, "run", str(inbox)],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not _seen(home / "catalog.db", KILL_POINTS[moment]):
        assert run.poll() is None, f"the run ended before '{moment}' was seen"
        assert time.monotonic() < deadline, f"'{moment}' never seen"
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(30)

    again = _run(home, inbox)
    assert again.returncode == 0, again.stderr[-3000:]
    after = _snapshot(home)
    assert after.comparable() == uninterrupted.comparable()
    assert after.orphans == [] and after.missing == []
    assert after.audit_problems == []
    assert after.duplicated == 0
    assert after.digitized() == len(FILES)


def test_the_catalogs_postgresql_restarted_mid_batch_the_run_retries_and_completes(
    inbox: Path, uninterrupted, tmp_path: Path
) -> None:
    import psycopg

    server = PrivatePostgres().start()
    try:
        catalog = server.url.rpartition("/")[0] + "/sohoa"
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE sohoa")
        home = tmp_path / "home"
        env = _env(home) | {"SOHOA_DATABASE_URL": catalog}
        run = subprocess.Popen(
            [SOHOA, "run", str(inbox), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

        def reading() -> bool:
            try:
                with psycopg.connect(catalog, connect_timeout=2) as conn:
                    return conn.execute(KILL_POINTS["pages being read"]).fetchone()[0] > 0
            except psycopg.Error:
                return False

        assert wait_for(reading, 300), "pages were never read"
        server.restart()
        out, errors = run.communicate(timeout=600)
        if run.returncode != 0:
            # The issue allows either outcome: the run retries and completes, or it stops with a
            # clear error and loses nothing, and running the batch again completes it. (Until the
            # DAG stated its retries, sohoa run's tasks had none and this happened once in five.)
            # Warn with the errors met, then hold the rerun to the same result.
            met = [line for line in errors.splitlines() if re.search(r"(Error|Exception|failed)", line)]
            assert '"run_state": "failed"' in out, "\n".join(met[-40:]) + "\n" + out[-1500:]
            warnings.warn("the run stopped at the restart; rerun: " + " | ".join(met[-12:]), stacklevel=1)
            again = subprocess.run(
                [SOHOA, "run", str(inbox), "--json"], env=env, capture_output=True, text=True, timeout=600
            )
            assert again.returncode == 0, again.stderr[-3000:]
        after = take(catalog, LocalStore(home / "objects"))
        from repository.catalog.db import get_engine

        get_engine(catalog).dispose()
    finally:
        server.stop()
    assert after.comparable() == uninterrupted.comparable()
    assert after.orphans == [] and after.missing == [] and after.audit_problems == []
    assert after.duplicated == 0
