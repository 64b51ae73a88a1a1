"""The month's service-indicator report: one self-contained HTML page (charts inlined as SVG, drawn with
matplotlib like the steward report) and the same figures as a workbook, stored in the object store
under ``reports/kpi/`` - made by the ``monthly_service_report`` DAG on the 1st, listed on ``/kpi``."""

from __future__ import annotations

import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from quality.indicators import LABELS, TARGETED, alerts, indicators, month_bounds, targets, to_xlsx, trend
from quality.report import PAGES, figure, svg_of, whole_numbers
from repository.storage import ObjectStore
from repository.web import formatting

PREFIX = "reports/kpi/"


def write_month_xlsx(month: str, path: Path, database_url: str | None = None) -> None:
    """The month's indicators as the workbook the city's office reads (period, targets, marks)."""
    start, end = month_bounds(month)
    to_xlsx(indicators(start, end, database_url=database_url), path, start, end)


@lru_cache(maxsize=48)
def _charts(days: tuple[tuple, ...]) -> dict[str, Markup]:
    """The month's two charts, drawn once per distinct set of figures (drawing costs ~0.3 s; a
    dashboard reload with the same figures reuses them, new figures draw anew)."""
    rows = [dict(zip(("day", *TARGETED, "received"), values, strict=True)) for values in days]
    return {"trend": Markup(chart_trend(rows)), "received": Markup(chart_received(rows))}


def chart_trend(days: list[dict]) -> str:
    from matplotlib.ticker import FuncFormatter  # matplotlib loads with the first chart (see figure)

    fig, ax = figure(7.5, 2.8)
    goals = targets()
    x = [d["day"][8:] for d in days]
    for name, color in zip(TARGETED, ("#2b6cb0", "#2f855a", "#b7791f"), strict=True):
        ax.plot(x, [d[name] if d[name] is not None else float("nan") for d in days], marker="o", ms=3,
                color=color, label=LABELS[name])  # fmt: skip
        # The target as a dashed line of the same colour: a day under it is seen at a glance.
        ax.axhline(goals[name], color=color, linestyle="--", linewidth=0.8)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: formatting.percent(value, 0)))
    ax.set_xlabel("Ngày trong tháng (nét đứt: mục tiêu)")
    ax.legend(fontsize=7, loc="lower right")
    return svg_of(fig)


def chart_received(days: list[dict]) -> str:
    fig, ax = figure(7.5, 2.2)
    ax.bar([d["day"][8:] for d in days], [d["received"] for d in days], color="#4a5568")
    ax.set_xlabel("Ngày trong tháng")
    ax.set_ylabel("Hồ sơ tiếp nhận")
    ax.set_ylim(0, max(1, *(d["received"] for d in days)) * 1.1)  # an empty month: 0..1, not -0.045..0.045
    whole_numbers(ax.yaxis)
    return svg_of(fig)


def month_page(month: str, database_url: str | None = None, today: date | None = None) -> dict:
    """Everything /kpi and the monthly report show for a month."""
    start, end = month_bounds(month)
    today = today or date.today()
    result = indicators(start, end, database_url=database_url)
    days = trend(start, min(end, today), database_url=database_url) if start <= today else []
    for unit in result["agencies"]:
        unit["targets"] = targets(unit["agency"])
        unit["below"] = [n for n in TARGETED if unit[n] is not None and unit[n] < unit["targets"][n]]
    result["agencies"].sort(key=lambda u: (-len(u["below"]), u["digitization_rate"] or 0))
    key = tuple(tuple(d[k] for k in ("day", *TARGETED, "received")) for d in days)
    charts = _charts(key) if days else {}
    warned = alerts(min(end, today), database_url) if start <= today else []
    return {"month": month, "start": start, "end": end, "result": result, "targets": targets(),
            "labels": LABELS, "targeted": TARGETED, "alerts": warned, "charts": charts}  # fmt: skip


def render_month(month: str, database_url: str | None = None) -> str:
    return PAGES.get_template("kpi_report.html").render(**month_page(month, database_url))


def publish_month(store: ObjectStore, month: str, database_url: str | None = None) -> list[str]:
    """The month's report as HTML and XLSX in the object store; returns their keys."""
    html_key, xlsx_key = f"{PREFIX}{month}.html", f"{PREFIX}{month}.xlsx"
    store.put_bytes(html_key, render_month(month, database_url).encode("utf-8"), "text/html; charset=utf-8")
    with tempfile.TemporaryDirectory(prefix="sohoa-kpi-") as tmp:
        path = Path(tmp, "kpi.xlsx")
        write_month_xlsx(month, path, database_url)
        store.put_file(xlsx_key, path, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return [html_key, xlsx_key]
