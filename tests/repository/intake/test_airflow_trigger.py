"""The deployment path of an upload: sohoa-api triggers digitize_case_files through Airflow's own REST
API (v2, JWT from the simple auth manager), against a real ``airflow api-server`` started here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from repository.api import create_app
from repository.catalog.db import migrate
from repository.intake import uploads
from repository.intake.samples import MINH
from repository.pipeline.runner import dags_folder
from tests.helpers import bearer, free_port, token_for, wait_for

SIMPLE_AUTH = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


@pytest.fixture
def airflow_api(tmp_path: Path):
    home = tmp_path / "airflow"
    home.mkdir()
    (home / "passwords.json").write_text('{"sohoa": "trigger-secret"}')
    env = os.environ | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "sohoa:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    for step in (["db", "migrate"], ["dags", "reserialize"]):  # the DAG must be known to the API
        done = subprocess.run([airflow, *step], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    server = subprocess.Popen(
        [airflow, "api-server", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/api/v2/version", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        assert wait_for(up, 120), "airflow api-server did not start"
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def test_upload_triggers_the_dag_through_airflow_rest_api(
    home: Path, sample_batch: Path, airflow_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_AIRFLOW_URL", airflow_api)
    monkeypatch.setenv("SOHOA_AIRFLOW_USER", "sohoa")
    monkeypatch.setenv("SOHOA_AIRFLOW_PASSWORD", "trigger-secret")
    monkeypatch.setattr(uploads, "_runner", None)  # the server picks its runner from the environment
    migrate()
    client = TestClient(create_app(), headers=bearer(token_for("records_staff", "UBND.NL")))
    upload_id = client.post("/api/uploads").json()["upload_id"]
    meta = {"case_code": "UBNL-1", "procedure_code": "HT.TRICHLUC", "owner_kind": "citizen",
            "owner_id": MINH.personal_id, "owner_name": MINH.name}  # fmt: skip
    png = (sample_batch / "hs02_giay_khai_sinh.png").read_bytes()
    client.post(f"/api/uploads/{upload_id}/files", files={"file": ("khai sinh.png", png)}, data=meta)
    assert client.post(f"/api/uploads/{upload_id}/start").status_code == 200
    assert wait_for(
        lambda: client.get(f"/api/uploads/{upload_id}").json()["run"].get("state") == "triggered", 60
    )
    run = client.get(f"/api/uploads/{upload_id}").json()["run"]
    with httpx.Client(base_url=airflow_api, timeout=30) as airflow:
        token = airflow.post("/auth/token", json={"username": "sohoa", "password": "trigger-secret"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        dag_run = airflow.get(
            f"/api/v2/dags/digitize_case_files/dagRuns/{run['dag_run_id']}", headers=headers
        )
    assert dag_run.status_code == 200, dag_run.text
    inbox = Path(dag_run.json()["conf"]["inbox"])
    assert inbox == uploads.uploads_root() / upload_id / "files"
    assert (inbox / "manifest.json").is_file() and (inbox / "khai sinh.png").is_file()
    assert MINH.personal_id not in str(dag_run.json())  # the run's conf names a directory, not a person
