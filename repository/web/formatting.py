"""How dates, times and numbers are written for people: one rule for every page, export and report.

Times are kept in UTC (naive UTC in the catalog) and shown in Vietnam's time (Asia/Ho_Chi_Minh,
"dd/mm/yyyy HH:MM"); numbers are written the vi-VN way ("1.234,5", "52,9 %").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
EMPTY = "—"


def local(moment: datetime | str) -> datetime:
    """A moment in Vietnam's time; a naive value is UTC (how the catalog and records keep them)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL)


def when(moment: datetime | str | None) -> str:
    """ "06/12/2026 21:23" (Vietnam's time)."""
    return local(moment).strftime("%d/%m/%Y %H:%M") if moment else EMPTY


def day(value: date | datetime | str | None) -> str:
    """ "14/07/2019"; a moment is first taken to Vietnam's time (the day it was there)."""
    if not value:
        return EMPTY
    if isinstance(value, str):
        value = (
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            if "T" in value
            else date.fromisoformat(value)
        )
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def number(value: float | int | None, digits: int = 0) -> str:
    """ "1.234" / "1.234,5": a dot between thousands, a comma before decimals."""
    if value is None:
        return EMPTY
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(rate: float | None, digits: int = 1) -> str:
    """A rate (0..1) as "52,9 %"."""
    return EMPTY if rate is None else f"{number(rate * 100, digits)} %"


def percent_of(value: float | None, digits: int = 0) -> str:
    """A value already in percent (an OCR confidence of 0..100) as "87 %"."""
    return EMPTY if value is None else f"{number(value, digits)} %"


def month(value: str) -> str:
    """ "2026-12" as "tháng 12/2026"."""
    year, _, number_ = value.partition("-")
    return f"tháng {int(number_)}/{year}" if number_ else value


FILTERS = {
    "when": when,
    "day": day,
    "number": number,
    "percent": percent,
    "percent_of": percent_of,
    "month": month,
}


def install(environment) -> None:  # a jinja2.Environment; the pages and quality's reports share it
    environment.filters.update(FILTERS)
