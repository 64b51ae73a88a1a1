"""Run a DAG in-process with Airflow's ``dag.test()`` on a local Airflow home under ``$SOHOA_HOME``.

This is the embedded mode of ``make run`` / ``sohoa run``: no scheduler, no webserver, the same DAG
file the production deployment schedules.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from repository.settings import load_settings

log = logging.getLogger(__name__)

DAG_ID = "digitize_case_files"


def dags_folder() -> Path:
    return load_settings().dags_folder or Path(__file__).resolve().parents[2] / "dags"


def configure_airflow(quiet: bool = True) -> None:
    """Point Airflow at a local home and our DAGs; must run before Airflow is first imported."""
    settings = load_settings()
    home = settings.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(dags_folder()))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    # As in production (docker-compose.yml): a task that failed on our side (the store away for a
    # moment, the catalog's server restarted) is tried again after the DAG's retry delay. Bad input is
    # never retried: it is turned away with its reason, not raised.
    # SOHOA_TASK_RETRIES, not Airflow's default_task_retries: see the DAG's default_args.
    os.environ.setdefault("SOHOA_TASK_RETRIES", "2")
    if quiet:
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
        # Raised by Airflow's own imports (fastapi.testclient); nothing for our users to act on.
        warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient`")


@dataclass
class RunOutcome:
    run_id: str
    state: str
    batch_id: str | None


def run_dag(dag_id: str = DAG_ID, conf: dict | None = None, quiet: bool = True) -> RunOutcome:
    configure_airflow(quiet)
    if dag_id == DAG_ID:
        # Every task runs in this process, one after another: the page workers start while Airflow
        # does (a core is idle then), and what the batch's last task imports is loaded while the
        # first pages are read (see repository.pipeline.preload), not after the last.
        from ocr.document import PAGES_UNDER_WAY, start_page_pool
        from repository.pipeline.preload import preload_when

        start_page_pool(load_settings().ocr_workers)
        preload_when(PAGES_UNDER_WAY)
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.db import initdb

    from repository.pipeline.summary import batch_for_run

    if quiet:
        logging.getLogger("airflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
    # One in-process run at a time per home: two `sohoa run` on a fresh home raced to create Airflow's
    # metadata (UNIQUE dag.dag_id), and an orphaned run from a killed server may still be going when
    # the server resumes its uploads. The second waits for the first.
    with _home_lock():
        initdb()  # creates or upgrades the local Airflow metadata database
        bag = DagBag(str(dags_folder()))
        if bag.import_errors:
            raise RuntimeError(f"DAG import errors: {bag.import_errors}")
        dag = bag.get_dag(dag_id)
        run = dag.test(run_conf=conf or {})
    return RunOutcome(run.run_id, str(run.state), batch_for_run(run.run_id) if dag_id == DAG_ID else None)


@contextlib.contextmanager
def _home_lock():
    """An exclusive lock on ``$SOHOA_HOME/run.lock`` (flock: released by the kernel if the holder dies)."""
    import fcntl

    home = load_settings().home
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "run.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another run holds %s: waiting for it to finish", home / "run.lock")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
