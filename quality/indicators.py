"""The service indicators the city reports on (Quyết định 766/QĐ-TTg; Hà Nội's and Hải Dương's plans),
per period, overall and per agency, procedure and field (lĩnh vực). The formulas (README):

- ``digitization_rate`` = received cases whose submitted components are all digitized / received
  cases. A case counts as received on ``received_on`` within the period; "digitized" is digitized,
  approved or (digitized, then) expired; a case with no submitted component has nothing digitized and
  does not count as digitized. Per component: digitized components / submitted components.
- ``result_ecopy_rate`` = resolved cases (``resolved_on`` within the period) whose result is in the
  repository as a digitized e-copy / resolved cases.
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
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import sleep
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from repository.catalog.db import session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, DocumentStatus, LinkVia, Owner
from repository.catalog.procedures import procedures, requirements_for
from repository.reuse.rules import check_owner
from repository.settings import thresholds

log = logging.getLogger(__name__)

DIGITIZED = (DocumentStatus.DIGITIZED, DocumentStatus.APPROVED, DocumentStatus.EXPIRED)


@dataclass
class CaseFacts:
    """What one case contributes to the indicators."""

    agency: str
    procedure: str
    field: str
    received_on: date | None
    resolved_on: date | None
    components: int = 0
    components_digitized: int = 0
    last_digitized: datetime | None = None
    ecopy: bool = False
    requirements: int = 0
    reusable_on_file: int = 0
    reused: int = 0


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

    def add(self, case: CaseFacts, start: date, end: date) -> None:
        if case.received_on and start <= case.received_on <= end:
            self.received += 1
            self.components += case.components
            self.components_digitized += case.components_digitized
            digitized = case.components > 0 and case.components == case.components_digitized
            self.digitized_cases += digitized
            if digitized and case.last_digitized is not None:
                received = datetime.combine(case.received_on, time.min, tzinfo=UTC)
                done = (
                    case.last_digitized
                    if case.last_digitized.tzinfo
                    else case.last_digitized.replace(tzinfo=UTC)
                )
                self.days.append(max((done - received).total_seconds() / 86400, 0.0))
            self.requirements += case.requirements
            self.reusable_on_file += case.reusable_on_file
            self.reused += case.reused
        if case.resolved_on and start <= case.resolved_on <= end:
            self.resolved += 1
            self.resolved_with_ecopy += case.ecopy

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
            "digitization_days": {
                "median": _round(statistics.median(self.days)) if self.days else None,
                "p90": _round(_p90(self.days)) if self.days else None,
            },
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float) -> float:
    return round(value, 2)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def indicators(start: date, end: date, agency: str | None = None, database_url: str | None = None) -> dict:
    """The indicators for ``start``..``end`` (inclusive), overall and per agency, procedure, field."""
    with session_scope(database_url) as session:
        facts = case_facts(session, start, end, agency)
    levels: dict[str, dict[str, Tally]] = {
        "agencies": defaultdict(Tally),
        "procedures": defaultdict(Tally),
        "fields": defaultdict(Tally),
    }
    overall = Tally()
    for case in facts:
        overall.add(case, start, end)
        levels["agencies"][case.agency].add(case, start, end)
        levels["procedures"][case.procedure].add(case, start, end)
        levels["fields"][case.field].add(case, start, end)
    names = {"agencies": "agency", "procedures": "procedure", "fields": "field"}
    result: dict[str, Any] = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "agency_filter": agency,
        "overall": overall.as_json(),
    }
    for level, tallies in levels.items():
        result[level] = [{names[level]: key} | tally.as_json() for key, tally in sorted(tallies.items())]
    return result


def case_facts(session: Session, start: date, end: date, agency: str | None = None) -> list[CaseFacts]:
    """One row per case received or resolved in the period, with what its documents say: a single
    query grouped by case in the database (plain rows: a month may hold tens of thousands of cases)."""
    c, link, d = CaseFile.__table__, CaseDocument.__table__, Document.__table__
    digitized = d.c.status.in_(DIGITIZED)
    submitted = link.c.via == LinkVia.SUBMITTED
    # A reuse attachment counts once per requirement it satisfies: (procedure, type) pairs of the catalog.
    required_pairs = [
        (code, r.type) for code, p in procedures().items() for r in p.requires if not r.optional
    ]
    reuse_for_requirement = (link.c.via == LinkVia.REUSE) & tuple_(c.c.procedure_code, d.c.doc_type_code).in_(
        required_pairs
    )
    query = (
        select(
            c.c.id, c.c.agency_code, c.c.procedure_code, c.c.field, c.c.received_on, c.c.resolved_on,
            c.c.reusable_on_file, c.c.owner_id,
            func.sum(when((submitted, 1), else_=0)),
            func.sum(when((submitted & digitized, 1), else_=0)),
            func.max(when((submitted, d.c.digitized_at), else_=None)),
            func.max(when(((link.c.via == LinkVia.RESULT) & digitized, 1), else_=0)),
            func.count(func.distinct(when((reuse_for_requirement, d.c.doc_type_code), else_=None))),
        )
        .select_from(c.outerjoin(link, link.c.case_id == c.c.id).outerjoin(d, d.c.id == link.c.document_id))
        .where(c.c.received_on.between(start, end) | c.c.resolved_on.between(start, end))
        .group_by(c.c.id)
    )  # fmt: skip
    if agency:
        query = query.where(c.c.agency_code == agency)
    return [_facts(session, row) for row in session.execute(query)]


def _facts(session: Session, row) -> CaseFacts:
    (
        case_id,
        agency,
        procedure,
        field_,
        received,
        resolved,
        on_file,
        owner_id,
        n,
        n_digitized,
        last,
        ecopy,
        reused,
    ) = row
    required = (
        [r for r in requirements_for(procedure, None) if not r.optional] if procedure in procedures() else []
    )
    last = datetime.fromisoformat(last) if isinstance(last, str) else last  # SQLite returns text here
    facts = CaseFacts(agency or "—", procedure or "—", field_ or "—", _day(received), _day(resolved),
                      components=n or 0, components_digitized=n_digitized or 0, last_digitized=last,
                      ecopy=bool(ecopy), requirements=len(required), reused=reused or 0)  # fmt: skip
    if on_file is None:  # not opened at the counter: what the repository could serve that day
        on_file = _on_file_at_receipt(session, owner_id, procedure, facts.received_on, required)
    facts.reusable_on_file = on_file
    return facts


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


def to_xlsx(result: dict[str, Any], path) -> None:
    """The indicators as a workbook: one sheet per level (overall, agencies, procedures, fields)."""
    from openpyxl import Workbook

    book = Workbook()
    columns = ["digitization_rate", "component_digitization_rate", "result_ecopy_rate", "reuse_rate",
               "reuse_rate_all", "documents_not_brought"]  # fmt: skip
    counts = list(result["overall"]["counts"])
    sheets = [("Toàn bộ", [{"": "Toàn bộ"} | result["overall"]])]
    sheets += [(title, result[level]) for title, level in (("Cơ quan", "agencies"), ("Thủ tục", "procedures"),
                                                             ("Lĩnh vực", "fields"))]  # fmt: skip
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(["Đơn vị", *columns, *counts, "Số ngày số hóa (trung vị)", "Số ngày số hóa (p90)"])
        for row in rows:
            key = next(iter(row.values()))
            sheet.append([key, *[row[c] for c in columns], *[row["counts"][c] for c in counts],
                          row["digitization_days"]["median"], row["digitization_days"]["p90"]])  # fmt: skip
    book.save(path)


def trend(start: date, end: date, agency: str | None = None, database_url: str | None = None) -> list[dict]:
    """Each day's indicators on their own (cases received or resolved that day), for the trend charts:
    the period's cases are read once and tallied per day (not one query per day)."""
    with session_scope(database_url) as session:
        facts = case_facts(session, start, end, agency)
    per_day: dict[date, Tally] = defaultdict(Tally)
    for case in facts:
        for day in {case.received_on, case.resolved_on} - {None}:
            per_day[day].add(case, day, day)  # counts what happened on that day only
    days = []
    day = start
    while day <= end:
        overall = per_day.get(day, Tally()).as_json()
        days.append({"day": day.isoformat()} | {name: overall[name] for name in TARGETED}
                    | {"received": overall["counts"]["received"]})  # fmt: skip
        day += timedelta(days=1)
    return days
