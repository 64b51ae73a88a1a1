"""The steward report: one self-contained HTML page in Vietnamese, charts inlined as SVG.

Built from the catalog (aggregates only: no identifier or name appears) and the latest quality runs.
``publish_report`` stores it in the object store (served by the API under ``/reports/``);
``write_report`` writes it to a local directory (``sohoa report``).
"""

from __future__ import annotations

import html
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from ocr.understand import document_types
from quality.config import threshold
from repository.catalog import (
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
from repository.db import session_scope
from repository.storage import ObjectStore

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
        waiting = session.execute(
            select(Document.id, Document.doc_type_code, Document.review_reasons, Document.updated_at)
            .where(Document.status == DocumentStatus.NEEDS_REVIEW)
            .order_by(Document.updated_at)
        ).all()
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


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure(width: float = 7.0, height: float = 3.0):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: selectable, and small
    matplotlib.rcParams["font.family"] = "DejaVu Sans"  # carries every Vietnamese glyph
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _whole_numbers(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))  # counts of pages and documents


def _empty(ax, message: str = "Chưa có dữ liệu / no data yet") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_axis_off()


def chart_confidence(data: ReportData) -> str:
    fig, ax = _figure()
    if data.confidence_buckets:
        xs = sorted(data.confidence_buckets)
        ax.bar(xs, [data.confidence_buckets[x] for x in xs], width=4.5, align="edge", color="#2b6cb0")
        limit = threshold("pages", "review_confidence")
        ax.axvline(limit, color="#c53030", linestyle="--", label=f"ngưỡng kiểm tra {limit:g}")
        ax.set_xlim(0, 100)
        ax.set_xlabel("Độ tin cậy OCR của trang (0–100)")
        ax.set_ylabel("Số trang")
        _whole_numbers(ax.yaxis)
        ax.legend()
    else:
        _empty(ax)
    return _svg(fig)


def chart_counts(counts: dict[str, int], xlabel: str, color: str = "#2f855a") -> str:
    fig, ax = _figure(7.0, max(1.6, 0.35 * len(counts) + 0.8))
    if counts:
        labels = sorted(counts, key=lambda k: counts[k])
        ax.barh(labels, [counts[k] for k in labels], color=color)
        ax.set_xlabel(xlabel)
        _whole_numbers(ax.xaxis)
    else:
        _empty(ax)
    return _svg(fig)


def chart_over_time(counts: dict[tuple[str, str], int], legend_title: str) -> str:
    fig, ax = _figure(7.5, 3.2)
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
        _whole_numbers(ax.yaxis)
        ax.legend(title=legend_title, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.tick_params(axis="x", rotation=45)
    else:
        _empty(ax)
    return _svg(fig)


def chart_queue_age(data: ReportData) -> str:
    fig, ax = _figure(7.0, 2.6)
    if data.queue:
        counts = Counter(_age_bucket(q["age_days"]) for q in data.queue)
        labels = [label for _, label in AGE_BUCKETS]
        ax.bar(labels, [counts.get(label, 0) for label in labels], color="#b7791f")
        ax.set_ylabel("Số giấy tờ chờ kiểm tra")
        _whole_numbers(ax.yaxis)
    else:
        _empty(ax, "Hàng đợi trống / the review queue is empty")
    return _svg(fig)


def _age_bucket(days: float) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or days < limit:
            return label
    return AGE_BUCKETS[-1][1]


# -- page -----------------------------------------------------------------------------------------

STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;color:#1a202c;background:#f7fafc}
header{background:#234e52;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85}main{padding:16px 24px;max-width:1100px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border:1px solid #e2e8f0;border-radius:6px;
padding:10px 14px;min-width:150px}
.tile b{display:block;font-size:22px}.tile span{color:#4a5568;font-size:13px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:6px;margin:16px 0;padding:12px 16px}
h2{font-size:17px;margin:4px 0 10px}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top}
.ok{color:#276749;font-weight:bold}.warn{color:#975a16;font-weight:bold}.bad{color:#c53030;font-weight:bold}
svg{max-width:100%;height:auto}.muted{color:#718096;font-size:12px}
"""


def render(data: ReportData) -> str:
    e = html.escape
    total = sum(data.documents_by_status.values())
    overdue = threshold("quality", "review_overdue_days")
    tiles = [
        (total, "Giấy tờ trong kho / documents"),
        (sum(data.pages_by_method.values()), "Trang / pages"),
        (f"{data.mean_confidence:.1f}" if data.mean_confidence is not None else "—", "Độ tin cậy OCR TB"),
        (len(data.queue), "Chờ kiểm tra / review queue"),
        (sum(q["age_days"] >= overdue for q in data.queue), f"Quá {overdue} ngày / overdue"),
    ]
    parts = [
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>",
        "<title>Báo cáo chất lượng dữ liệu số hóa</title>",
        f"<style>{STYLE}</style></head><body>",
        "<header><h1>Báo cáo chất lượng dữ liệu số hóa</h1>",
        f"<p>Data quality report · lập lúc {e(data.generated_at.strftime('%H:%M %d/%m/%Y'))} UTC</p>",
        "</header>",
        "<main><div class='tiles'>",
        *(f"<div class='tile'><b>{e(str(v))}</b><span>{e(label)}</span></div>" for v, label in tiles),
        "</div>",
        _runs_section(data),
        _section("Phân bố độ tin cậy OCR / confidence distribution", chart_confidence(data)),
        _section(
            "Giấy tờ số hóa theo cơ quan / documents digitized per agency",
            chart_counts(data.by_agency, "Số giấy tờ", "#2b6cb0"),
        ),
        _section(
            "Theo loại giấy tờ, theo ngày / by document type over time",
            chart_over_time(data.by_day_type, "Loại giấy tờ"),
        ),
        _section(
            "Theo thủ tục, theo ngày / by procedure over time",
            chart_over_time(data.by_day_procedure, "Thủ tục"),
        ),
        _section(
            "Lý do chờ kiểm tra / review reasons",
            chart_counts(
                {ReviewReason.LABELS.get(k, k): v for k, v in data.review_reasons.items()}, "Số giấy tờ"
            ),
        ),
        _section(
            "Lý do từ chối hoặc lỗi (90 ngày) / rejection and failure reasons",
            chart_counts(data.failure_reasons, "Số tệp", "#c53030"),
        ),
        _section(
            "Hàng đợi kiểm tra theo tuổi / review queue by age", chart_queue_age(data) + _queue_table(data)
        ),
        _section("Tình trạng giấy tờ / documents by status", _status_table(data)),
        "<p class='muted'>Báo cáo chỉ chứa số liệu tổng hợp và mã định danh nội bộ của giấy tờ, không chứa"
        " số định danh cá nhân. / Aggregates and opaque document ids only.</p>",
        "</main></body></html>",
    ]
    return "".join(parts)


def _section(title: str, body: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{body}</section>"


def _runs_section(data: ReportData) -> str:
    if not data.quality_runs:
        return _section("Kiểm tra chất lượng / quality checks", "<p>Chưa chạy lần nào / not run yet.</p>")
    latest = {}
    for run in data.quality_runs:  # newest first: the latest run of each scope
        latest.setdefault(run.scope, run)
    rows = []
    for scope, run in sorted(latest.items()):
        for check in run.checks:
            if check["success"]:
                state = "<span class='ok'>Đạt</span>"
            elif check["severity"] == "critical":
                state = "<span class='bad'>Không đạt (nghiêm trọng)</span>"
            else:
                state = "<span class='warn'>Cảnh báo</span>"
            rows.append(
                f"<tr><td>{'Lô' if scope == 'batch' else 'Toàn kho'}</td>"
                f"<td>{html.escape(check['description'])}"
                f"<br><span class='muted'>{html.escape(check['name'])}</span></td><td>{state}</td>"
                f"<td>{check['failed']} / {check['checked']}</td></tr>"
            )
    when = ", ".join(
        f"{'lô' if s == 'batch' else 'toàn kho'} {r.started_at.strftime('%H:%M %d/%m/%Y')}"
        for s, r in sorted(latest.items())
    )
    table = (
        f"<p class='muted'>Lần chạy gần nhất / latest runs: {html.escape(when)}</p>"
        "<table><tr><th>Phạm vi</th>"
        "<th>Kiểm tra / check</th><th>Kết quả</th><th>Lỗi / đã kiểm</th></tr>" + "".join(rows) + "</table>"
    )
    return _section("Kiểm tra chất lượng / quality checks", table)


def _queue_table(data: ReportData, limit: int = 50) -> str:
    if not data.queue:
        return ""
    names = {code: kind.name for code, kind in document_types().items()}
    rows = "".join(
        f"<tr><td><code>{html.escape(q['id'][:8])}</code></td>"
        f"<td>{html.escape(names.get(q['type'], q['type']))}</td>"
        f"<td>{html.escape('; '.join(ReviewReason.LABELS.get(r, r) for r in q['reasons']))}</td>"
        f"<td>{q['age_days']:.1f}</td></tr>"
        for q in data.queue[:limit]
    )
    return (
        f"<p>{len(data.queue)} giấy tờ chờ kiểm tra; cũ nhất trước / oldest first.</p>"
        "<table><tr><th>Giấy tờ</th>"
        f"<th>Loại</th><th>Lý do</th><th>Tuổi (ngày)</th></tr>{rows}</table>"
    )


def _status_table(data: ReportData) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(STATUS_LABELS.get(s, s))}</td><td>{n}</td></tr>"
        for s, n in sorted(data.documents_by_status.items(), key=lambda kv: -kv[1])
    )
    return f"<table><tr><th>Tình trạng</th><th>Số giấy tờ</th></tr>{rows}</table>"


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
