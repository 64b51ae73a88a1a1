"""The service indicators the city reports on (Quyết định 766/QĐ-TTg; Hà Nội's and Hải Dương's plans),
per period, overall and per agency, procedure and field (lĩnh vực). The formulas (docs/API.md):

- ``digitization_rate`` = received cases whose submitted components are all digitized / received
  cases. A case counts as received on ``received_on`` within the period; "digitized" is digitized,
  approved or (digitized, then) expired; a case with no submitted component has nothing digitized and
  does not count as digitized. Per component: digitized components / submitted components.
- ``result_ecopy_rate`` = resolved cases (``resolved_on`` within the period) whose result is in the
  repository, digitized, with a signed e-copy (bản sao điện tử: "SAO Y", QR, the agency's signature)
  / resolved cases.
- ``reuse_rate`` = requirements of received cases satisfied by a document attached from the
  repository (not brought again) / requirements that had a reusable document on file when the case was
  received; ``reuse_rate_all`` = the same / all requirements. ``documents_not_brought`` = the count of
  such attachments.
- ``digitization_days``: from receipt to the last submitted component digitized, median and p90, over
  the received cases that are digitized.
Rates are None when nothing was counted below them.
"""

from __future__ import annotations

import calendar
import logging
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import sleep
from typing import Any

from sqlalchemy import DateTime, func, select, tuple_
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from repository.catalog.db import session_scope
from repository.catalog.models import CaseFile, Owner
from repository.catalog.procedures import procedures, requirements_for
from repository.reuse.rules import check_owner
from repository.settings import thresholds

log = logging.getLogger(__name__)


@dataclass
class Tally:
    received: int = 0
    digitized_cases: int = 0
    components: int = 0
    components_digitized: int = 0
    resolved: int = 0
    resolved_with_ecopy: int = 0
    requirements: int = 0
    reusable_on_file: int = 0
    reused: int = 0
    days: list[float] = field(default_factory=list)
    quantiles: dict[str, float | None] | None = None  # median and p90 when the database computed them

    def add_received(self, sums: dict[str, int]) -> None:
        for name in RECEIVED_SUMS:
            setattr(self, name, getattr(self, name) + sums[name])

    def add_resolved(self, sums: dict[str, int]) -> None:
        for name in RESOLVED_SUMS:
            setattr(self, name, getattr(self, name) + sums[name])

    def as_json(self) -> dict[str, Any]:
        return {
            "digitization_rate": _rate(self.digitized_cases, self.received),
            "component_digitization_rate": _rate(self.components_digitized, self.components),
            "result_ecopy_rate": _rate(self.resolved_with_ecopy, self.resolved),
            "reuse_rate": _rate(self.reused, self.reusable_on_file),
            "reuse_rate_all": _rate(self.reused, self.requirements),
            "documents_not_brought": self.reused,
            "counts": {
                "received": self.received,
                "digitized_cases": self.digitized_cases,
                "components": self.components,
                "components_digitized": self.components_digitized,
                "resolved": self.resolved,
                "resolved_with_ecopy": self.resolved_with_ecopy,
                "requirements": self.requirements,
                "reusable_on_file": self.reusable_on_file,
                "reused": self.reused,
            },
            "digitization_days": self.quantiles
            or {
                "median": _round(statistics.median(self.days)) if self.days else None,
                "p90": _round(_p90(self.days)) if self.days else None,
            },
        }


RECEIVED_SUMS = ("received", "digitized_cases", "components", "components_digitized", "requirements",
                 "reusable_on_file", "reused")  # fmt: skip
RESOLVED_SUMS = ("resolved", "resolved_with_ecopy")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float) -> float:
    return round(value, 2)


def _p90(values: list[float]) -> float:
    """Nearest rank: the smallest value at or above 90% of them (PostgreSQL's percentile_disc)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def indicators(start: date, end: date, agency: str | None = None, database_url: str | None = None) -> dict:
    """The indicators for ``start``..``end`` (inclusive), overall and per agency, procedure, field."""
    levels: dict[str, dict[str, Tally]] = {
        "agencies": defaultdict(Tally),
        "procedures": defaultdict(Tally),
        "fields": defaultdict(Tally),
    }
    overall = Tally()
    with session_scope(database_url) as session:
        groups = unit_sums(session, start, end, agency)
        days = digitization_days(session, start, end, agency)
    for unit, received, resolved in groups:
        for tally in (overall, *(levels[level][key] for level, key in zip(levels, unit, strict=True))):
            tally.add_received(received)
            tally.add_resolved(resolved)
    if isinstance(days, dict):  # PostgreSQL: the quantiles per level, computed in the database
        for (level, key), quantiles in days.items():
            (overall if level is None else levels[level][key]).quantiles = quantiles
    else:
        for unit, value in days:
            for tally in (overall, *(levels[level][key] for level, key in zip(levels, unit, strict=True))):
                tally.days.append(value)
    names = {"agencies": "agency", "procedures": "procedure", "fields": "field"}
    result: dict[str, Any] = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "agency_filter": agency,
        "overall": overall.as_json(),
    }
    for level, tallies in levels.items():
        result[level] = [{names[level]: key} | tally.as_json() for key, tally in sorted(tallies.items())]
    return result


def _cases_in_period(start: date, end: date, agency: str | None):
    """One row per case received or resolved in the period, with what its documents say (the facts
    the catalog keeps on the case: one indexed scan, no join)."""
    c = CaseFile
    query = select(
        c.id,
        c.agency_code.label("agency"),
        c.procedure_code.label("procedure"),
        c.field.label("field"),
        c.received_on,
        c.resolved_on,
        c.reusable_on_file,
        c.owner_id,
        func.coalesce(c.components, 0).label("components"),
        func.coalesce(c.components_digitized, 0).label("components_digitized"),
        c.last_digitized_at.label("last_digitized"),
        c.ecopy.label("ecopy"),
        func.coalesce(c.reused_requirements, 0).label("reused"),
    ).where(c.received_on.between(start, end) | c.resolved_on.between(start, end), c.cancelled_at.is_(None))
    if agency:
        query = query.where(c.agency_code == agency)
    return query.subquery()


Unit = tuple[str, str, str]  # agency, procedure, field


def _unit_key(row, by_day: bool) -> tuple:
    """The unit a summed row belongs to, and with ``by_day`` its days received and resolved."""
    unit = (row["agency"] or "—", row["procedure"] or "—", row["field"] or "—")
    return (*unit, *((_day(row["received_on"]), _day(row["resolved_on"])) if by_day else ()))


def unit_sums(
    session: Session, start: date, end: date, agency: str | None = None, by_day: bool = False
) -> list[tuple[Unit, dict[str, int], dict[str, int]]]:
    """The counts behind the indicators, summed in the database per agency, procedure and field (and,
    ``by_day``, per day received and day resolved): (unit, received-side sums, resolved-side sums)."""
    q = _cases_in_period(start, end, agency)
    got = q.c.received_on.between(start, end)
    done = q.c.resolved_on.between(start, end)
    digitized = (q.c.components > 0) & (q.c.components == q.c.components_digitized)

    def total(condition, value=1):
        return func.coalesce(func.sum(when((condition, value), else_=0)), 0)

    keys = [q.c.agency, q.c.procedure, q.c.field] + ([q.c.received_on, q.c.resolved_on] if by_day else [])
    rows = session.execute(
        select(
            *keys,
            total(got).label("received"),
            total(got & digitized).label("digitized_cases"),
            total(got, q.c.components).label("components"),
            total(got, q.c.components_digitized).label("components_digitized"),
            total(got & q.c.reusable_on_file.is_not(None), q.c.reusable_on_file).label("reusable_on_file"),
            total(got, q.c.reused).label("reused"),
            total(done).label("resolved"),
            total(done & q.c.ecopy.is_(True)).label("resolved_with_ecopy"),
        ).group_by(*keys)
    ).mappings()
    found: dict[tuple, tuple[dict[str, int], dict[str, int]]] = {}
    for row in rows:
        key = _unit_key(row, by_day)
        received = {name: int(row[name]) for name in RECEIVED_SUMS if name != "requirements"}
        received["requirements"] = received["received"] * len(_required(row["procedure"]))
        found[key] = (received, {name: int(row[name]) for name in RESOLVED_SUMS})
    # A case no counter opened (it came from a manifest or the one-stop system) has no count of what
    # the repository held for it: the reuse check as the repository stood on the day it was received.
    for row in session.execute(
        select(q.c.agency, q.c.procedure, q.c.field, q.c.received_on, q.c.resolved_on, q.c.owner_id).where(
            got & q.c.reusable_on_file.is_(None)
        )
    ).mappings():
        key = _unit_key(row, by_day)
        found[key][0]["reusable_on_file"] += _on_file_at_receipt(
            session, row["owner_id"], row["procedure"], _day(row["received_on"]), _required(row["procedure"])
        )
    return [((key[:3] if not by_day else key), *sums) for key, sums in found.items()]


def digitization_days(session: Session, start: date, end: date, agency: str | None = None):
    """Days from receipt to the last submitted component digitized, over the digitized cases received in
    the period. PostgreSQL gives the median and p90 per level itself ({(level, key): quantiles}, level
    None for overall); elsewhere one number a case comes back ([(unit, days)]) for Python to rank."""
    q = _cases_in_period(start, end, agency)
    digitized = (
        q.c.received_on.between(start, end),
        q.c.components > 0,
        q.c.components == q.c.components_digitized,
        q.c.last_digitized.is_not(None),
    )
    if session.get_bind().dialect.name == "postgresql":
        return _quantiles_in_database(session, q, digitized)
    rows = session.execute(
        select(q.c.agency, q.c.procedure, q.c.field, q.c.received_on, q.c.last_digitized).where(*digitized)
    )
    found = []
    for agency_, procedure, field_, received, last in rows:
        last = datetime.fromisoformat(last) if isinstance(last, str) else last  # SQLite returns text here
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        at = datetime.combine(_day(received), time.min, tzinfo=UTC)
        found.append(
            ((agency_ or "—", procedure or "—", field_ or "—"), max((last - at).total_seconds() / 86400, 0.0))
        )
    return found


def _quantiles_in_database(session: Session, q, digitized) -> dict:
    received = func.timezone("UTC", func.cast(q.c.received_on, DateTime()))
    days = func.greatest(func.extract("epoch", q.c.last_digitized - received) / 86400.0, 0.0)
    inner = select(q.c.agency, q.c.procedure, q.c.field, days.label("days")).where(*digitized).subquery()
    keys = {"agencies": inner.c.agency, "procedures": inner.c.procedure, "fields": inner.c.field}
    rows = session.execute(
        select(
            *keys.values(),
            *(func.grouping(column).label(f"g_{level}") for level, column in keys.items()),
            func.percentile_cont(0.5).within_group(inner.c.days).label("median"),
            func.percentile_disc(0.9).within_group(inner.c.days).label("p90"),
        ).group_by(func.grouping_sets(tuple_(), *(tuple_(column) for column in keys.values())))
    ).mappings()
    found = {}
    for row in rows:
        level = next((name for name in keys if row[f"g_{name}"] == 0), None)
        key = (row[keys[level].name] or "—") if level else None
        if row["median"] is None:
            continue  # the overall row of an empty period: nothing digitized to rank
        found[(level, key)] = {"median": _round(float(row["median"])), "p90": _round(float(row["p90"]))}
    return found


def _required(procedure: str | None) -> list:
    if procedure not in procedures():
        return []
    return [r for r in requirements_for(procedure, None) if not r.optional]


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _on_file_at_receipt(
    session: Session, owner_id: str, procedure: str, received: date | None, required
) -> int:
    """For a case no counter opened (it came from a manifest or the one-stop system), what the
    repository could have served when it was received: the reuse check as the repository stood then."""
    if not required or received is None:
        return 0
    owner = session.get(Owner, owner_id)
    at = datetime.combine(received, time.min, tzinfo=UTC)
    return check_owner(session, owner, required, received, procedure, digitized_before=at).need_not_bring


# -- targets and alerts -----------------------------------------------------------------------------

TARGETED = ("digitization_rate", "result_ecopy_rate", "reuse_rate")


def targets(agency: str | None = None) -> dict[str, float]:
    """The targets for an agency: the city's, overridden by the agency's own (thresholds file)."""
    kpi = thresholds()["kpi"]
    own = kpi.get("agencies", {}).get(agency or "", {})
    return {name: float(own.get(name, kpi[name])) for name in TARGETED}


def alerts(on: date, database_url: str | None = None) -> list[dict[str, Any]]:
    """Agencies under a target on each of the last ``alert_after_days`` days, each day judged on the
    ``window_days`` ending that day. An indicator with nothing to count (None) raises no alert."""
    kpi = thresholds()["kpi"]
    days, window = int(kpi["alert_after_days"]), int(kpi["window_days"])
    below: dict[tuple[str, str], list[float]] = defaultdict(list)
    for back in range(days):
        end = on - timedelta(days=back)
        for unit in indicators(end - timedelta(days=window - 1), end, database_url=database_url)["agencies"]:
            goal = targets(unit["agency"])
            for name in TARGETED:
                if unit[name] is not None and unit[name] < goal[name]:
                    below[(unit["agency"], name)].append(unit[name])
    return [
        {"agency": agency, "indicator": name, "value": values[0], "target": targets(agency)[name],
         "days": days, "label": LABELS[name], "on": on.isoformat()}
        for (agency, name), values in sorted(below.items()) if len(values) == days
    ]  # fmt: skip


LABELS = {
    "digitization_rate": "Tỷ lệ hồ sơ được số hóa",
    "result_ecopy_rate": "Tỷ lệ kết quả trả kèm bản điện tử",
    "reuse_rate": "Tỷ lệ tái sử dụng dữ liệu số hóa",
}


def notify(found: list[dict[str, Any]], url: str | None, attempts: int = 3, wait: float = 2.0) -> bool:
    """POST the alerts as JSON to the city's notification system, retried; never raises (a failed
    notification is logged and the alerts stay on the dashboard and in the DAG's output)."""
    if not found or not url:
        return False
    import httpx

    for attempt in range(1, attempts + 1):
        try:
            answer = httpx.post(url, json={"source": "sohoa", "alerts": found}, timeout=5.0)
            if answer.status_code < 300:
                return True
            log.warning("kpi webhook answered %s (attempt %d)", answer.status_code, attempt)
        except httpx.HTTPError as exc:
            log.warning("kpi webhook unreachable (attempt %d): %s", attempt, type(exc).__name__)
        if attempt < attempts:
            sleep(wait * attempt)
    return False


# -- the monthly report -----------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-11' -> (1 Nov, 30 Nov)."""
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    return start, date(year, number, calendar.monthrange(year, number)[1])


# The workbook's column headers: the indicators' own names, in Vietnamese (a code such as
# "digitization_rate" means nothing to the city's office that reads it).
COLUMN_LABELS = {
    "digitization_rate": "Tỷ lệ hồ sơ được số hóa",
    "component_digitization_rate": "Tỷ lệ thành phần hồ sơ được số hóa",
    "result_ecopy_rate": "Tỷ lệ kết quả trả kèm bản điện tử",
    "reuse_rate": "Tỷ lệ tái sử dụng dữ liệu số hóa",
    "reuse_rate_all": "Tỷ lệ dùng lại trên mọi giấy tờ yêu cầu",
    "documents_not_brought": "Giấy tờ người dân không phải nộp lại",
}
COUNT_LABELS = {
    "received": "Hồ sơ tiếp nhận", "digitized_cases": "Hồ sơ đã số hóa", "components": "Thành phần hồ sơ",
    "components_digitized": "Thành phần đã số hóa", "resolved": "Hồ sơ đã giải quyết",
    "resolved_with_ecopy": "Kết quả có bản điện tử", "requirements": "Giấy tờ thủ tục yêu cầu",
    "reusable_on_file": "Yêu cầu có sẵn trong kho", "reused": "Yêu cầu được dùng lại",
}  # fmt: skip
RATES = (
    "digitization_rate",
    "component_digitization_rate",
    "result_ecopy_rate",
    "reuse_rate",
    "reuse_rate_all",
)


def to_xlsx(result: dict[str, Any], path, start: date | None = None, end: date | None = None) -> None:
    """The indicators as a workbook the city's office reads as it is: a summary sheet with the period,
    each indicator against its target (under target marked), then one sheet per level (agencies,
    procedures, fields) with Vietnamese headers, rates in percent format, below-target cells in red."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from repository.web import formatting

    low = PatternFill("solid", fgColor="FED7D7")
    bold = Font(bold=True)
    goals = targets()
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    period = f"{formatting.day(start)} - {formatting.day(end)}" if start and end else ""
    summary.append(["Chỉ số phục vụ số hóa hồ sơ, kết quả giải quyết TTHC (Quyết định 766/QĐ-TTg)"])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append(["Kỳ báo cáo", period])
    summary.append(["Lập lúc (giờ Việt Nam)", formatting.when(datetime.now(UTC))])
    summary.append([])
    summary.append(["Chỉ số", "Giá trị", "Mục tiêu", "Đánh giá"])
    for cell in summary[summary.max_row]:
        cell.font = bold
    overall = result["overall"]
    for name in TARGETED:
        value = overall[name]
        verdict = "Chưa có số liệu" if value is None else ("Đạt" if value >= goals[name] else "Dưới mục tiêu")
        summary.append([LABELS[name], value, goals[name], verdict])
        row = summary[summary.max_row]
        row[1].number_format = row[2].number_format = "0.0%"
        if verdict == "Dưới mục tiêu":
            row[1].fill = row[3].fill = low
    summary.append([COLUMN_LABELS["documents_not_brought"], overall["documents_not_brought"]])
    summary.append(["Số ngày tiếp nhận -> số hóa (trung vị)", overall["digitization_days"]["median"]])
    summary.append(["Số ngày tiếp nhận -> số hóa (p90)", overall["digitization_days"]["p90"]])
    summary.column_dimensions["A"].width = 48
    for column in "BCD":
        summary.column_dimensions[column].width = 16

    columns = ["digitization_rate", "component_digitization_rate", "result_ecopy_rate", "reuse_rate",
               "reuse_rate_all", "documents_not_brought"]  # fmt: skip
    counts = list(overall["counts"])
    levels = (("Cơ quan", "agencies", "agency"), ("Thủ tục", "procedures", "procedure"),
              ("Lĩnh vực", "fields", "field"))  # fmt: skip
    for title, level, key in levels:
        sheet = book.create_sheet(title)
        sheet.append([title, *[COLUMN_LABELS[c] for c in columns], *[COUNT_LABELS.get(c, c) for c in counts],
                      "Số ngày số hóa (trung vị)", "Số ngày số hóa (p90)", "Dưới mục tiêu"])  # fmt: skip
        for cell in sheet[1]:
            cell.font = bold
        for row in result[level]:
            own = targets(row[key]) if key == "agency" else goals
            below = [n for n in TARGETED if row[n] is not None and row[n] < own[n]]
            sheet.append([row[key], *[row[c] for c in columns], *[row["counts"][c] for c in counts],
                          row["digitization_days"]["median"], row["digitization_days"]["p90"],
                          ", ".join(LABELS[n] for n in below)])  # fmt: skip
            cells = sheet[sheet.max_row]
            as_text(cells)
            for offset, name in enumerate(columns, start=1):
                if name in RATES:
                    cells[offset].number_format = "0.0%"
                if name in below:
                    cells[offset].fill = low
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 28
    book.save(path)


def as_text(cells) -> None:
    """Strings stay strings: openpyxl stores a value starting with "=" as a formula, so an agency
    code "=HYPERLINK(...)" would become a live formula in the officer's spreadsheet."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def trend(start: date, end: date, agency: str | None = None, database_url: str | None = None) -> list[dict]:
    """Each day's indicators on their own (cases received or resolved that day), for the trend charts:
    the same sums as the indicators, grouped by day received and day resolved in one query."""
    with session_scope(database_url) as session:
        groups = unit_sums(session, start, end, agency, by_day=True)
    per_day: dict[date, Tally] = defaultdict(Tally)
    for (*_unit, received_on, resolved_on), received, resolved in groups:
        if received_on is not None and start <= received_on <= end:
            per_day[received_on].add_received(received)
        if resolved_on is not None and start <= resolved_on <= end:
            per_day[resolved_on].add_resolved(resolved)
    days = []
    day = start
    while day <= end:
        overall = per_day.get(day, Tally()).as_json()
        days.append({"day": day.isoformat()} | {name: overall[name] for name in TARGETED}
                    | {"received": overall["counts"]["received"]})  # fmt: skip
        day += timedelta(days=1)
    return days
