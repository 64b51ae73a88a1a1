"""Shared fixtures: real services only. PostgreSQL and the S3 server are real; nothing of ours is mocked.

- PostgreSQL: SOHOA_TEST_DATABASE_URL (default the local server at 127.0.0.1:5432). When none answers,
  a throwaway server is started from Debian's postgresql binaries (``make test`` installs them); when
  those are missing too, the PostgreSQL tests fail loudly.
- S3: moto's S3 server over real HTTP on a loopback port.
- Browser: Debian's headless Chromium (``make test`` installs it) driven by Playwright; the browser
  tests fail loudly when it is missing. Screenshots land in SOHOA_SCREENSHOTS (default var/screenshots).
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its configuration at first import: give the whole test session a private home.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="sohoa-airflow-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")
os.environ["AIRFLOW__CORE__DEFAULT_TASK_RETRIES"] = "0"
os.environ["SOHOA_TASK_RETRIES"] = "0"
os.environ.setdefault("SOHOA_OCR_WORKERS", "2")

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def _answers(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    url = os.environ.get("SOHOA_TEST_DATABASE_URL") or DEFAULT_PG
    if _answers(url):
        yield url
        return
    server = PrivatePostgres().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    import psycopg

    name = f"sohoa_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = pg_server.rpartition("/")
    url = f"{base}/{name}"
    try:
        yield url
    finally:
        from repository.catalog.db import get_engine

        get_engine(url).dispose()
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request, tmp_path: Path) -> str:
    """A migrated, empty catalog on each engine in turn."""
    from repository.catalog.db import migrate

    url = f"sqlite:///{tmp_path / 'c.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str):
    from repository.storage import S3Store

    return S3Store(f"sohoa-{uuid.uuid4().hex[:10]}", s3_endpoint, "testing", "testing", region="us-east-1")


@pytest.fixture
def local_store(tmp_path: Path):
    from repository.storage import LocalStore

    return LocalStore(tmp_path / "objects")


@pytest.fixture(params=["local", "s3"])
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded-default SOHOA_HOME (SQLite + local store) private to one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("SOHOA_HOME", str(home))
    monkeypatch.delenv("SOHOA_DATABASE_URL", raising=False)
    monkeypatch.delenv("SOHOA_STORAGE_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``sohoa samples`` batch, generated once per session (it is read-only to the tests)."""
    from repository.intake.samples import generate

    inbox = tmp_path_factory.mktemp("samples") / "inbox"
    generate(inbox)
    return inbox


from tests.helpers import CHROMIUM, PrivatePostgres, free_port, wait_for  # noqa: E402 - after the Airflow settings


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian. Missing is a failure, never a skip: ``make test`` installs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The closed network refuses Chromium's background connections: switch them off.
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_server():
    """Serve an ASGI app over real HTTP on a loopback port; yields a function app -> base URL."""
    import uvicorn

    servers = []

    def start(app) -> str:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        assert wait_for(lambda: server.started, 15), "the test server did not start"
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)
