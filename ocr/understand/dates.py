"""Dates in any usual Vietnamese form, and month arithmetic for validity rules."""

from __future__ import annotations

import calendar
import re
from datetime import date

from ocr.text import fold
from ocr.understand.labels import repair_digits

_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*,?\s*thang\s*(\d{1,2})\s*,?\s*nam\s*(\d{4})")
_D = r"[0-9OolI]"  # a digit, or a letter OCR reads for one
_SEP = r"\s?[/.\-]\s?"
_DATE_NUMERIC = re.compile(rf"(?<![\dA-Za-z])({_D}{{1,2}}){_SEP}({_D}{{1,2}}){_SEP}({_D}{{4}})(?!\d)")


# dd/mm/yyyy with its slashes read as "1", "l" or "I" (small bold print on a card: "1210212025"). Only
# where a date is expected (after its label): elsewhere ten digits are more often a number.
_DATE_GLUED = re.compile(rf"(?<![\dA-Za-z])({_D}{{2}})[1il|]({_D}{{2}})[1il|]({_D}{{4}})(?!\d)")


def _date(folded: str, start: int = 0, expected: bool = False) -> tuple[date, int] | None:
    """The first date at or after ``start`` in a folded line, and where it ends. ``expected``: a
    label says a date is there (after ``start``, or on this line), so slashes read as 1 are repaired."""
    found = []
    for pattern in (_DATE_WORDS, _DATE_NUMERIC):
        match = pattern.search(folded, start)
        if match:
            found.append(match)
    if not found and (expected or start > 0) and (match := _DATE_GLUED.search(folded, start)):
        found.append(match)
    for match in sorted(found, key=lambda m: m.start()):
        day, month, year = (int(repair_digits(g)) for g in match.groups())
        try:
            return date(year, month, day), match.end()
        except ValueError:
            continue
    return None


def find_date(text: str) -> date | None:
    """The first date in any usual Vietnamese form ('ngày 5 tháng 3 năm 2024', '05/03/2024')."""
    found = _date(fold(text))
    return found[0] if found else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), clamped to the month's end."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
