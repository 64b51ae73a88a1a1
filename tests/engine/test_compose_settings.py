"""docker-compose.yml runs what ``make engine-test`` runs: same executor, retries, heartbeat timeout,
concurrency, drivers and components. The compose file cannot be started here (no Docker daemon with
images), so this check keeps the two in step."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.engine.deployment import AIRFLOW_SETTINGS, Deployment

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_the_engine_tests_settings() -> None:
    env = _compose()["x-airflow-common"]["environment"]
    differ = {k: (env.get(k), v) for k, v in AIRFLOW_SETTINGS.items() if str(env.get(k)).lower() != v.lower()}
    assert not differ, f"docker-compose.yml differs from make engine-test: {differ}"


def test_compose_uses_the_same_drivers_and_secrets(tmp_path: Path) -> None:
    env = _compose()["x-airflow-common"]["environment"]
    deployment = Deployment(postgres="postgresql://postgres@127.0.0.1:5432/postgres", root=tmp_path)
    deployment.relay.stop()  # only its settings are wanted here
    engine = deployment.env()
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "SOHOA_DATABASE_URL",
    ):
        assert env[key].split("://")[0] == engine[key].split("://")[0], key
    # Set once and shared by every component, or task tokens fail between scheduler and api-server.
    for key in (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    ):
        assert env.get(key) and engine.get(key), key


def test_compose_runs_every_component_the_engine_test_starts() -> None:
    commands = {str(s.get("command")) for s in _compose()["services"].values()}
    for component in ("api-server", "scheduler", "dag-processor", "triggerer", "celery worker"):
        assert component in commands, component


def test_compose_control_plane_yields_the_cores_as_the_engine_test_does() -> None:
    from tests.engine.deployment import CFS_WEIGHT, CONTROL_PLANE, CONTROL_PLANE_NICE

    services = _compose()["services"]
    weights = {str(s.get("command")): s.get("cpu_shares") for s in services.values()}
    for component in CONTROL_PLANE:
        assert weights[component] == CFS_WEIGHT[CONTROL_PLANE_NICE], component
    assert weights["celery worker"] is None  # the workers keep the default weight: the work is theirs


def test_compose_api_server_is_healthy_when_the_engine_test_calls_it_ready() -> None:
    from tests.engine.deployment import READY_PATH

    services = _compose()["services"]
    api = next(s for s in services.values() if s.get("command") == "api-server")
    assert any(READY_PATH in part for part in api["healthcheck"]["test"])
    worker = next(s for s in services.values() if s.get("command") == "celery worker")
    assert worker["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
