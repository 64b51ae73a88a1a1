"""The steward report: one self-contained HTML page in Vietnamese, charts inlined as SVG.

Built from the catalog (aggregates only: no identifier or name appears) and the latest quality runs.
``publish_report`` stores it in the object store (served by the API under ``/reports/``);
``write_report`` writes it to a local directory (``sohoa report``).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jinja2
from markupsafe import Markup
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from ocr.understand import document_types
from quality.review import queue_filter, queue_reasons
from repository.catalog.agencies import agency_label
from repository.catalog.db import session_scope
from repository.catalog.models import (
    BatchItem,
    CaseFile,
    Document,
    DocumentStatus,
    ItemStatus,
    Page,
    PageMethod,
    QualityRun,
    ReviewReason,
)
from repository.settings import threshold
from repository.storage import ObjectStore
from repository.web import formatting

LATEST_KEY = "reports/steward/latest.html"
AGE_BUCKETS = [(1, "< 1 ngày"), (3, "1–3 ngày"), (7, "3–7 ngày"), (30, "7–30 ngày"), (None, "> 30 ngày")]
STATUS_LABELS = {
    DocumentStatus.RECEIVED: "Đã nhận",
    DocumentStatus.DIGITIZED: "Đã số hóa",
    DocumentStatus.NEEDS_REVIEW: "Chờ kiểm tra",
    DocumentStatus.APPROVED: "Đã duyệt",
    DocumentStatus.REJECTED: "Bị từ chối",
    DocumentStatus.FAILED: "Lỗi xử lý",
    DocumentStatus.EXPIRED: "Hết hiệu lực",
}


@dataclass
class ReportData:
    generated_at: datetime
    documents_by_status: dict[str, int]
    pages_by_method: dict[str, int]
    confidence_buckets: dict[int, int]  # lower bound of a 5-point bucket -> OCR pages
    mean_confidence: float | None
    by_agency: dict[str, int]
    by_day_type: dict[tuple[str, str], int]
    by_day_procedure: dict[tuple[str, str], int]
    review_reasons: dict[str, int]
    failure_reasons: dict[str, int]
    queue: list[dict]  # oldest first: id, type, reasons, age_days
    quality_runs: list[QualityRun] = field(default_factory=list)


def gather(database_url: str | None = None, now: datetime | None = None, days: int = 90) -> ReportData:
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    with session_scope(database_url) as session:
        by_status = dict(
            session.execute(select(Document.status, func.count()).group_by(Document.status)).all()
        )
        by_method = dict(session.execute(select(Page.method, func.count()).group_by(Page.method)).all())
        bucket = cast(Page.confidence, Integer) // 5 * 5
        buckets = dict(
            session.execute(
                select(bucket, func.count()).where(Page.method == PageMethod.OCR).group_by(bucket)
            ).all()
        )
        mean = session.scalar(select(func.avg(Page.confidence)).where(Page.method == PageMethod.OCR))
        by_agency = dict(
            session.execute(
                select(func.coalesce(CaseFile.agency_code, "—"), func.count(Document.id))
                .join(CaseFile, Document.origin_case_id == CaseFile.id)
                .where(Document.digitized_at.is_not(None))
                .group_by(CaseFile.agency_code)
            ).all()
        )
        by_day_type = _per_day(session, Document.doc_type_code, since, "unknown")
        by_day_procedure = _per_day(session, Document.procedure_code, since, "—")
        waiting = [
            (d.id, d.doc_type_code, queue_reasons(d), d.updated_at)
            for d in session.scalars(select(Document).where(queue_filter()).order_by(Document.updated_at))
        ]  # the queue as the API and the review page define it
        failures = session.execute(
            select(BatchItem.reason, func.count())
            .where(
                BatchItem.status.in_([ItemStatus.REJECTED, ItemStatus.FAILED]), BatchItem.updated_at >= since
            )
            .group_by(BatchItem.reason)
        ).all()
        runs = list(session.scalars(select(QualityRun).order_by(QualityRun.started_at.desc()).limit(10)))
    reasons = Counter(code for _, _, codes, _ in waiting for code in (codes or ["unspecified"]))
    failure_reasons: Counter[str] = Counter()
    for reason, n in failures:
        failure_reasons[_reason_group(reason)] += n
    queue = [
        {"id": i, "type": t or "unknown", "reasons": codes or [], "age_days": _age_days(now, at)}
        for i, t, codes, at in waiting
    ]
    return ReportData(
        generated_at=now,
        documents_by_status=by_status,
        pages_by_method=by_method,
        confidence_buckets={int(k): v for k, v in buckets.items() if k is not None},
        mean_confidence=float(mean) if mean is not None else None,
        by_agency=by_agency,
        by_day_type=by_day_type,
        by_day_procedure=by_day_procedure,
        review_reasons=dict(reasons),
        failure_reasons=dict(failure_reasons),
        queue=queue,
        quality_runs=runs,
    )


def _per_day(session: Session, column, since: datetime, missing: str) -> dict[tuple[str, str], int]:
    """Documents digitized per day since ``since``, split by ``column`` (type or procedure)."""
    day = _day(session, Document.digitized_at)
    rows = session.execute(
        select(day, column, func.count()).where(Document.digitized_at >= since).group_by(day, column)
    )
    return {(d, value or missing): n for d, value, n in rows}


def _day(session: Session, column):
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return func.to_char(column, "YYYY-MM-DD")


def _age_days(now: datetime, at: datetime | None) -> float:
    if at is None:
        return 0.0
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=UTC)
    return max((now - at).total_seconds() / 86400, 0.0)


def _reason_group(reason: str | None) -> str:
    """'Tệp quá lớn (300 MiB > 200 MiB) / file too large' -> 'Tệp quá lớn / file too large'."""
    text = (reason or "không rõ / unknown").split(";")[0]
    vi, _, en = text.partition(" / ")
    vi = vi.split("(")[0].split(":")[0].strip()
    en = en.split("(")[0].split(":")[0].strip()
    return f"{vi} / {en}" if en else vi


# -- charts ---------------------------------------------------------------------------------------


def svg_of(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def figure(width: float = 7.0, height: float = 3.0):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: selectable, and small
    matplotlib.rcParams["font.family"] = "DejaVu Sans"  # carries every Vietnamese glyph
    # Labels are user strings (agency codes, procedure names): data, never mathtext. An agency named
    # "$\\frac{$" made every later report fail to draw.
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def whole_numbers(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))  # counts of pages and documents


def _empty(ax, message: str = "Chưa có dữ liệu / no data yet") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_axis_off()


def chart_confidence(data: ReportData) -> str:
    fig, ax = figure()
    if data.confidence_buckets:
        xs = sorted(data.confidence_buckets)
        ax.bar(xs, [data.confidence_buckets[x] for x in xs], width=4.5, align="edge", color="#2b6cb0")
        limit = threshold("pages", "review_confidence")
        ax.axvline(limit, color="#c53030", linestyle="--", label=f"ngưỡng kiểm tra {limit:g}")
        ax.set_xlim(0, 100)
        ax.set_xlabel("Độ tin cậy OCR của trang (0–100)")
        ax.set_ylabel("Số trang")
        whole_numbers(ax.yaxis)
        ax.legend()
    else:
        _empty(ax)
    return svg_of(fig)


def chart_counts(counts: dict[str, int], xlabel: str, color: str = "#2f855a") -> str:
    fig, ax = figure(7.0, max(1.6, 0.35 * len(counts) + 0.8))
    if counts:
        labels = sorted(counts, key=lambda k: counts[k])
        ax.barh(labels, [counts[k] for k in labels], color=color)
        ax.set_xlabel(xlabel)
        whole_numbers(ax.xaxis)
    else:
        _empty(ax)
    return svg_of(fig)


def chart_over_time(counts: dict[tuple[str, str], int], legend_title: str) -> str:
    fig, ax = figure(7.5, 3.2)
    if counts:
        days = sorted({d for d, _ in counts})
        series = sorted(
            {s for _, s in counts}, key=lambda s: -sum(n for (_, k), n in counts.items() if k == s)
        )
        bottom = [0] * len(days)
        for name in series:
            values = [counts.get((d, name), 0) for d in days]
            ax.bar(days, values, bottom=bottom, label=name)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel("Số giấy tờ")
        whole_numbers(ax.yaxis)
        ax.legend(title=legend_title, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.tick_params(axis="x", rotation=45)
    else:
        _empty(ax)
    return svg_of(fig)


def chart_queue_age(data: ReportData) -> str:
    fig, ax = figure(7.0, 2.6)
    if data.queue:
        counts = Counter(_age_bucket(q["age_days"]) for q in data.queue)
        labels = [label for _, label in AGE_BUCKETS]
        ax.bar(labels, [counts.get(label, 0) for label in labels], color="#b7791f")
        ax.set_ylabel("Số giấy tờ chờ kiểm tra")
        whole_numbers(ax.yaxis)
    else:
        _empty(ax, "Hàng đợi trống / the review queue is empty")
    return svg_of(fig)


def _age_bucket(days: float) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or days < limit:
            return label
    return AGE_BUCKETS[-1][1]


# -- page -----------------------------------------------------------------------------------------

# The report is one self-contained file (charts inlined as SVG): it is stored, mailed and opened offline.
PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("quality", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
)
formatting.install(PAGES)  # the pages' rule for dates, times and numbers
PAGES.filters["agency"] = agency_label


def render(data: ReportData) -> str:
    total = sum(data.documents_by_status.values())
    overdue = threshold("quality", "review_overdue_days")
    tiles = [
        (total, "Giấy tờ trong kho / documents"),
        (sum(data.pages_by_method.values()), "Trang / pages"),
        (formatting.percent_of(data.mean_confidence, 1), "Độ tin cậy OCR TB / mean OCR confidence"),
        (len(data.queue), "Chờ kiểm tra / review queue"),
        (sum(q["age_days"] >= overdue for q in data.queue), f"Quá {overdue} ngày / overdue"),
    ]
    charts = {
        "confidence": chart_confidence(data),
        "agency": chart_counts(data.by_agency, "Số giấy tờ", "#2b6cb0"),
        "type_over_time": chart_over_time(data.by_day_type, "Loại giấy tờ"),
        "procedure_over_time": chart_over_time(data.by_day_procedure, "Thủ tục"),
        "review_reasons": chart_counts(
            {ReviewReason.LABELS.get(k, k): v for k, v in data.review_reasons.items()}, "Số giấy tờ"
        ),
        "failures": chart_counts(data.failure_reasons, "Số tệp", "#c53030"),
        "queue_age": chart_queue_age(data),
    }
    latest = {}
    for run in data.quality_runs:  # newest first: the latest run of each scope
        latest.setdefault(run.scope, run)
    names = {code: kind.name for code, kind in document_types().items()}
    queue = [
        {"id": q["id"][:8], "type": names.get(q["type"], q["type"]), "age": q["age_days"],
         "reasons": "; ".join(ReviewReason.LABELS.get(r, r) for r in q["reasons"])}
        for q in data.queue[:50]
    ]  # fmt: skip
    statuses = [
        (STATUS_LABELS.get(k, k), n)
        for k, n in sorted(data.documents_by_status.items(), key=lambda kv: -kv[1])
    ]
    charts = {k: Markup(v) for k, v in charts.items()}  # SVG that matplotlib drew from our numbers
    return PAGES.get_template("steward_report.html").render(
        data=data, tiles=tiles, charts=charts, latest=sorted(latest.items()), queue=queue,
        queue_total=len(data.queue), statuses=statuses,
    )  # fmt: skip


def build_report(database_url: str | None = None, now: datetime | None = None) -> str:
    return render(gather(database_url, now))


def publish_report(store: ObjectStore, database_url: str | None = None) -> str:
    """Store the report twice: a dated copy to keep, and ``latest.html`` for the API's index."""
    now = datetime.now(UTC)
    page = build_report(database_url, now).encode("utf-8")
    key = f"reports/steward/{now.strftime('%Y%m%dT%H%M%S%fZ')}.html"
    store.put_bytes(key, page, "text/html; charset=utf-8")
    store.put_bytes(LATEST_KEY, page, "text/html; charset=utf-8")
    return key


def write_report(directory: Path, database_url: str | None = None) -> Path:
    now = datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"bao-cao-chat-luong-{now.strftime('%Y%m%d-%H%M%S')}.html"
    path.write_text(build_report(database_url, now), encoding="utf-8")
    return path
