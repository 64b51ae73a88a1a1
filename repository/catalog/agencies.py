"""Agencies' names by code (``catalog/data/agencies.json``, overridden by SOHOA_AGENCY_NAMES): pages,
reports and e-copies show a name, never a bare code."""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources


@cache
def _listed() -> dict[str, str]:
    with resources.files("repository.catalog.data").joinpath("agencies.json").open(encoding="utf-8") as f:
        return json.load(f)["agencies"]


def agency_name(code: str | None) -> str:
    """The agency's name; its code when none is known."""
    if not code:
        return ""
    configured = json.loads(os.environ.get("SOHOA_AGENCY_NAMES", "{}") or "{}")
    return configured.get(code) or _listed().get(code) or code


def agency_label(code: str | None) -> str:
    """ "UBND phường Thanh Xuân (UBND.TX)" for tables where the code is also looked for."""
    name = agency_name(code)
    return f"{name} ({code})" if code and name != code else (code or "—")
