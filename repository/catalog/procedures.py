"""Procedures (thủ tục hành chính) and the documents each requires: data, ``catalog/data/procedures.json``.

The codes are illustrative (check them against the national procedure database before relying on them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ocr.text import fold


class UnknownProcedure(KeyError):
    def __str__(self) -> str:
        return f"không có thủ tục mã '{self.args[0]}' / unknown procedure code"


@dataclass(frozen=True)
class Requirement:
    type: str
    max_age_months: int | None = None
    optional: bool = False


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    requires: tuple[Requirement, ...]
    field: str | None = None  # lĩnh vực: the city tracks its indicators per field


@cache
def procedures() -> dict[str, Procedure]:
    with resources.files("repository.catalog.data").joinpath("procedures.json").open(encoding="utf-8") as f:
        raw = json.load(f)["procedures"]
    return {
        p["code"]: Procedure(
            p["code"], p["name"], tuple(Requirement(**r) for r in p["requires"]), p.get("field")
        )
        for p in raw
    }


def requirements_for(procedure: str | None, types: list[str] | None) -> list[Requirement]:
    """A procedure's requirements, or plain document types; raises UnknownProcedure."""
    if procedure is not None:
        if procedure not in procedures():
            raise UnknownProcedure(procedure)
        return list(procedures()[procedure].requires)
    return [Requirement(t) for t in types or []]


def find_procedures(text: str) -> list[Procedure]:
    """Procedures a person may mean by ``text``: the exact code, or the code or name containing it,
    in any case, accents optional ("ket hon", "KETHON", "HT.KETHON — Đăng ký kết hôn" all find
    HT.KETHON). The exact code alone when it is one."""
    text = text.strip()
    if text in procedures():
        return [procedures()[text]]
    code = text.split(" ")[0]
    if code in procedures():  # picked from the list: "CODE — name"
        return [procedures()[code]]
    wanted = _key(text)
    if not wanted:
        return []
    return [p for p in procedures().values() if wanted in _key(p.code) or wanted in _key(p.name)]


def _key(text: str) -> str:
    return "".join(ch for ch in fold(text).lower() if ch.isalnum())
