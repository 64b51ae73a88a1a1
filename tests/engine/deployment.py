"""A real Airflow 3 deployment on this machine, started from the venv: what docker-compose.yml runs,
process for process, with the same settings (``AIRFLOW_SETTINGS`` below mirrors its environment).

- the Airflow metadata and the sohoa catalog: two fresh databases on the PostgreSQL server of the tests;
- the Celery broker: the Redis answering at SOHOA_TEST_REDIS_URL (``make test`` starts Debian's
  redis-server when none answers), on a database number of its own;
- the object store: moto's S3 server over real HTTP, behind a TCP relay that can cut it off;
- api-server, scheduler, dag-processor, triggerer and N Celery workers (one task each, one core each).

Used by ``make engine-test`` (tests/engine/run.py) and benchmarks/engine_throughput.py.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

from tests.engine.relay import Relay
from tests.helpers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SIMPLE_AUTH = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
DAG_ID = "digitize_case_files"

# The settings docker-compose.yml gives every Airflow container (keep the two in step: a test reads
# the compose file and compares).
AIRFLOW_SETTINGS = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH,
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
    "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "2",
    "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
    # The task supervisor notices its task's end within this (default 5 s, the worker idle meanwhile).
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
    # A worker imports our tasks' modules once, before it forks a process per task (see the module).
    "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "repository.pipeline.worker.CELERY_CONFIG",
    # DAG files change with a deployment, not by the minute: parsed every 5 minutes, not every 30 s
    # (a parse of every file took a tenth of a core from the workers on a 2-core machine).
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
    "OMP_THREAD_LIMIT": "1",
    "SOHOA_OCR_WORKERS": "1",
}


# The control plane yields the cores to the workers when they share a machine: pages are the work, a
# scheduler loop or a heartbeat a moment late costs nothing. Measured on 2 cores with 2 workers, each
# 10-page file took 25.5 s with the control plane at the workers' priority and 22.5 s at nice 10:
# it woke often enough to keep the workers waiting for their core 15% of the time.
# docker-compose.yml gives these services the same CFS weight as cpu_shares (a test compares).
# The api-server is ready when the execution API (the one tasks talk to) answers: its first request
# builds the versioned routes, about 6 s here, which the batch's first task would otherwise wait for.
# docker-compose.yml's api-server healthcheck asks the same path, and the workers wait for it.
READY_PATH = "/execution/health"

CONTROL_PLANE = ("api-server", "scheduler", "dag-processor", "triggerer")
CONTROL_PLANE_NICE = 10
CFS_WEIGHT = {0: 1024, 5: 335, 10: 110, 15: 36, 19: 15}  # the kernel's sched_prio_to_weight


def timestamp(stamp: str) -> datetime:
    """A time from Airflow's REST API (ISO 8601, "Z" for UTC)."""
    return datetime.fromisoformat(stamp)


def _database(server: str, name: str) -> str:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rpartition("/")[0] + "/" + name


def _drop(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Deployment:
    postgres: str  # a server URL (postgresql://user@host:port/db) on which databases may be created
    redis: str = "redis://127.0.0.1:6379/0"
    workers: int = 2
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sohoa-engine-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    killed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        tag = uuid.uuid4().hex[:10]
        self.databases = [f"sohoa_engine_airflow_{tag}", f"sohoa_engine_catalog_{tag}"]
        self.api_port = free_port()
        self.base = f"http://127.0.0.1:{self.api_port}"
        self.password = secrets.token_urlsafe(12)
        self.s3_port = free_port()
        self.relay = Relay(free_port(), self.s3_port)
        self.sohoa_home = self.root / "sohoa"
        self._token: str | None = None

    # ---- start and stop -------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        base = self.postgres.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1)
        airflow_db, catalog_db = (f"{base}/{name}" for name in self.databases)
        home = self.root / "airflow"
        broker = self.redis.rsplit("/", 1)[0] + "/7"  # a database number of its own on a shared Redis
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SOHOA_"))},
            **AIRFLOW_SETTINGS,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base}/execution/",
            # psycopg 3 for every connection, the async one included (no asyncpg, no psycopg2).
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": airflow_db,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt"),
            "AIRFLOW__API__SECRET_KEY": self._secret("api"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "SOHOA_HOME": str(self.sohoa_home),
            "SOHOA_DATABASE_URL": catalog_db,
            "SOHOA_STORAGE_URL": "s3://sohoa-engine",
            "SOHOA_S3_ENDPOINT": f"http://127.0.0.1:{self.relay.port}",
            "SOHOA_S3_ACCESS_KEY": "testing",
            "SOHOA_S3_SECRET_KEY": "testing",
            "SOHOA_S3_REGION": "us-east-1",
            "SOHOA_DAGS_FOLDER": str(ROOT / "dags"),
            "SOHOA_AUDIT_KEY": self._secret("audit"),
        }

    def _secret(self, name: str) -> str:
        path = self.root / f".{name}"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
        return path.read_text()

    def start(self) -> Deployment:
        for name in self.databases:
            _database(self.postgres, name)
        home = self.root / "airflow"
        home.mkdir(parents=True, exist_ok=True)
        (home / "passwords.json").write_text(f'{{"admin": "{self.password}"}}')
        self._spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        self.relay.start()
        env = self.env()
        for step in (
            ["airflow", "db", "migrate"],
            [sys.executable, "-c", "from repository.catalog.db import migrate; migrate()"],
        ):
            done = subprocess.run(
                [str(BIN / step[0]) if step[0] == "airflow" else step[0], *step[1:]],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode:
                raise RuntimeError(f"{' '.join(step[:3])} failed: {done.stderr[-3000:]}")
        self._spawn("api-server", ["api-server", "--port", str(self.api_port)])
        for component in ("scheduler", "dag-processor", "triggerer"):
            self._spawn(component, [component])
        for n in range(1, self.workers + 1):
            self.add_worker(n)
        if not wait_for(self._api_up, 180):
            raise RuntimeError(f"airflow api-server did not answer: {self.log_tail('api-server')}")
        if not wait_for(lambda: self.get(f"/api/v2/dags/{DAG_ID}").status_code == 200, 180):
            raise RuntimeError(f"{DAG_ID} was not parsed: {self.log_tail('dag-processor')}")
        self.request("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": False})
        return self

    def add_worker(self, n: int) -> None:
        self._spawn(
            f"worker-{n}",
            ["celery", "worker", "--celery-hostname", f"w{n}@%h", "--concurrency", "1", "--skip-serve-logs"],
        )

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - kept open for the process's life
        executable = command if command[0].startswith("/") else [str(BIN / "airflow"), *command]
        if name in CONTROL_PLANE:
            executable = ["nice", "-n", str(CONTROL_PLANE_NICE), *executable]
        # A session of its own: a kill reaches the component and every process it forked.
        self.processes[name] = subprocess.Popen(
            executable,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.root,
        )

    def kill(self, name: str) -> set[int]:
        """SIGKILL a component and all its descendants at once: a machine lost, not a polite
        shutdown. Descendants are collected first and killed by pid too, since a task process may
        sit in a process group of its own. Returns the pids killed."""
        import psutil

        root = self.processes[name].pid
        try:
            tree = {root} | {c.pid for c in psutil.Process(root).children(recursive=True)}
        except psutil.NoSuchProcess:
            tree = {root}
        os.killpg(root, signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.processes[name].wait(30)
        self.killed.append(name)
        return tree

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(20)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.relay.stop()
        for name in self.databases:
            _drop(self.postgres, name)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, name: str, size: int = 3000) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else "(no log)"

    # ---- Airflow's REST API ---------------------------------------------------------------------
    def _api_up(self) -> bool:
        try:
            return httpx.get(f"{self.base}{READY_PATH}", timeout=30).status_code == 200
        except httpx.HTTPError:
            return False

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            reply = httpx.post(
                f"{self.base}/auth/token", json={"username": "admin", "password": self.password}
            )
            reply.raise_for_status()
            self._token = reply.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        reply = httpx.request(method, self.base + path, headers=self._headers(), timeout=30, **kwargs)
        reply.raise_for_status()
        return reply

    def get(self, path: str, **params) -> httpx.Response:
        try:
            return httpx.get(self.base + path, headers=self._headers(), params=params, timeout=30)
        except httpx.HTTPError as exc:
            return httpx.Response(599, text=str(exc))

    def trigger(self, inbox: Path) -> str:
        body = {"logical_date": None, "conf": {"inbox": str(inbox)}}
        return self.request("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", json=body).json()["dag_run_id"]

    def run_state(self, run_id: str) -> str:
        reply = self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")
        return reply.json()["state"] if reply.status_code == 200 else "unknown"

    def task_instances(self, run_id: str) -> list[dict]:
        reply = self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", limit=1000)
        return reply.json()["task_instances"] if reply.status_code == 200 else []

    def xcom(self, run_id: str, task_id: str, map_index: int = -1):
        """A task's return value (None until it has one)."""
        reply = self.get(
            f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value",
            map_index=map_index,
            deserialize=True,
        )
        return reply.json()["value"] if reply.status_code == 200 else None

    def wait_run(self, run_id: str, timeout: float, every: float = 2) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(every)
        return "timeout"

    def run_seconds(self, run_id: str) -> float:
        """From the trigger to the run's end, by the run's own timestamps (not by polling)."""
        run = self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").json()
        return (timestamp(run["end_date"]) - timestamp(run["queued_at"])).total_seconds()
