"""Settings read from the environment, resolved when asked for (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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
    )
