"""Every SOHOA_* setting and the thresholds file, read here only, when asked for (never at import time).

Other modules take what they need from ``load_settings()`` or ``threshold()``; ``ocr`` takes values as
arguments (it reads no settings of ours).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLDS = Path(__file__).with_name("thresholds.toml")


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    storage_url: str
    s3_endpoint: str | None
    s3_access_key: str | None
    s3_secret_key: str | None
    s3_secure: bool
    s3_region: str | None
    digitized_by: str
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For is believed
    secret_key: str | None = None  # keys the pages' CSRF tokens (random per process when unset)
    audit_key: str | None = None  # signs audit checkpoints (else a key file under home)
    jwt_secret: str | None = None
    jwt_jwks_url: str | None = None
    jwt_audience: str | None = None
    ocr_workers: int | None = None  # tesseract processes per document (default: cores)
    dropzone: Path | None = None
    dags_folder: Path | None = None
    airflow_url: str | None = None  # uploads trigger the DAG through Airflow's REST API when set
    airflow_user: str = "admin"
    airflow_password: str = ""
    kpi_webhook_url: str | None = None  # the city's notification system: alerts are POSTed here

    @property
    def dropzone_root(self) -> Path:
        return self.dropzone or self.home / "dropzone"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"


def load_settings() -> Settings:
    home = Path(os.environ.get("SOHOA_HOME", "./var")).resolve()
    database_url = os.environ.get("SOHOA_DATABASE_URL") or f"sqlite:///{home / 'catalog.db'}"
    storage_url = os.environ.get("SOHOA_STORAGE_URL") or (home / "objects").as_uri()
    return Settings(
        home=home,
        database_url=database_url,
        storage_url=storage_url,
        s3_endpoint=os.environ.get("SOHOA_S3_ENDPOINT"),
        s3_access_key=os.environ.get("SOHOA_S3_ACCESS_KEY"),
        s3_secret_key=os.environ.get("SOHOA_S3_SECRET_KEY"),
        s3_secure=os.environ.get("SOHOA_S3_SECURE", "false").lower() in {"1", "true", "yes"},
        s3_region=os.environ.get("SOHOA_S3_REGION"),
        digitized_by=os.environ.get("SOHOA_OPERATOR", "sohoa-pipeline"),
        trusted_proxies=tuple(
            p.strip() for p in os.environ.get("SOHOA_TRUSTED_PROXIES", "").split(",") if p.strip()
        ),
        secret_key=env("SOHOA_SECRET_KEY"),
        audit_key=env("SOHOA_AUDIT_KEY"),
        jwt_secret=env("SOHOA_JWT_SECRET"),
        jwt_jwks_url=env("SOHOA_JWT_JWKS_URL"),
        jwt_audience=env("SOHOA_JWT_AUDIENCE"),
        ocr_workers=int(env("SOHOA_OCR_WORKERS")) if env("SOHOA_OCR_WORKERS") else None,
        dropzone=Path(env("SOHOA_DROPZONE")) if env("SOHOA_DROPZONE") else None,
        dags_folder=Path(env("SOHOA_DAGS_FOLDER")) if env("SOHOA_DAGS_FOLDER") else None,
        airflow_url=env("SOHOA_AIRFLOW_URL"),
        airflow_user=env("SOHOA_AIRFLOW_USER") or "admin",
        airflow_password=env("SOHOA_AIRFLOW_PASSWORD") or "",
        kpi_webhook_url=env("SOHOA_KPI_WEBHOOK_URL"),
    )


def env(name: str) -> str | None:
    """A setting's raw value; empty counts as unset."""
    return os.environ.get(name) or None


@cache
def thresholds() -> dict[str, Any]:
    """``repository/thresholds.toml`` (or SOHOA_THRESHOLDS), read once per process."""
    path = Path(os.environ.get("SOHOA_THRESHOLDS") or DEFAULT_THRESHOLDS)
    with open(path, "rb") as f:
        return tomllib.load(f)


def threshold(section: str, name: str) -> Any:
    return thresholds()[section][name]
