"""Quality thresholds from ``quality/thresholds.toml`` (or SOHOA_THRESHOLDS), read once per process."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).with_name("thresholds.toml")


@cache
def thresholds() -> dict[str, Any]:
    path = Path(os.environ.get("SOHOA_THRESHOLDS") or DEFAULT_FILE)
    with open(path, "rb") as f:
        return tomllib.load(f)


def threshold(section: str, name: str) -> Any:
    return thresholds()[section][name]
