"""The stewards' commands: the review queue and its actions, the report, the quality suites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repository.cli.app import app, console, err, fail

review_app = typer.Typer(
    help="Hàng đợi kiểm tra / the review queue and steward actions.", no_args_is_help=True
)
app.add_typer(review_app, name="review")
ActorOption = Annotated[str, typer.Option("--by", help="Người kiểm tra / steward acting")]


def _review_call(action, *args, **kwargs):
    from repository.catalog.db import migrate
    from repository.errors import DomainError

    migrate()
    try:
        result = action(*args, **kwargs)
    except DomainError as exc:
        raise fail(exc) from None
    if action.__name__ != "review_queue":  # a steward's action on a citizen's record goes on the audit log
        from repository.security.audit import record_document_action

        record_document_action(None, actor=args[1], role="steward", agency=None, action=action.__name__,
                               document_id=args[0], detail={"via": "cli"})  # fmt: skip
    return result


@review_app.command("list")
def review_list(
    reason: Annotated[str | None, typer.Option(help="Lọc theo lý do, vd owner_mismatch")] = None,
    limit: Annotated[int, typer.Option(help="Số dòng / rows")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Liệt kê giấy tờ chờ kiểm tra, cũ nhất trước / list the review queue, oldest first."""
    from quality.review import review_queue

    queue = _review_call(review_queue, reason=reason, limit=limit)
    if as_json:
        print(json.dumps(queue, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Hàng đợi kiểm tra / review queue: {queue['total']}")
    for column in (
        "Giấy tờ / document",
        "Loại / type",
        "Chủ sở hữu / owner",
        "Lý do / reasons",
        "Từ / since",
    ):
        table.add_column(column)
    for entry in queue["results"]:
        owner = entry["owner"]
        table.add_row(
            entry["document_id"], entry["type_name"] or entry["type"] or "-",
            f"{owner['name'] or ''} {owner['identifier']}", "\n".join(entry["reason_labels"]),
            (entry["waiting_since"] or "")[:16],
        )  # fmt: skip
    console.print(table)


@review_app.command("approve")
def review_approve(
    document_id: str, by: ActorOption, note: Annotated[str | None, typer.Option()] = None
) -> None:
    """Duyệt giấy tờ / approve a document: it becomes reusable."""
    from quality.review import approve

    _review_call(approve, document_id, by, note)
    console.print(f"Đã duyệt / approved {document_id}")


@review_app.command("reject")
def review_reject(
    document_id: str, by: ActorOption, reason: Annotated[str, typer.Option(help="Lý do / reason")]
) -> None:
    """Từ chối giấy tờ / reject a document: never offered for reuse."""
    from quality.review import reject

    _review_call(reject, document_id, by, reason)
    console.print(f"Đã từ chối / rejected {document_id}")


@review_app.command("correct")
def review_correct(
    document_id: str,
    by: ActorOption,
    values: Annotated[
        list[str], typer.Argument(help="TRƯỜNG=GIÁ_TRỊ, vd number=123/QĐ-UBND (để trống để xóa)")
    ],
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Sửa trường / correct fields the pipeline misread; the record then awaits approval."""
    from quality.review import correct

    pairs = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep:
            err.print(f"[red]'{value}': cần dạng TRƯỜNG=GIÁ_TRỊ / expected NAME=VALUE[/red]")
            raise typer.Exit(2)
        pairs[name.strip()] = text or None
    result = _review_call(correct, document_id, by, pairs, note)
    console.print(f"Đã sửa / corrected {', '.join(pairs)}; trạng thái / status: {result['status']}")


@review_app.command("rerun")
def review_rerun(
    document_id: str, by: ActorOption, note: Annotated[str | None, typer.Option()] = None
) -> None:
    """Chạy lại OCR từ bản gốc đã lưu / read the stored original again."""
    from quality.review import rerun_ocr

    result = _review_call(rerun_ocr, document_id, by, note)
    console.print(f"Đã đọc lại / re-read {document_id}; trạng thái / status: {result['status']}")


@app.command()
def report(
    out: Annotated[
        Path | None, typer.Option(help="Thư mục ghi báo cáo (mặc định $SOHOA_HOME/reports)")
    ] = None,
) -> None:
    """Ghi báo cáo chất lượng cho người quản lý dữ liệu / write the steward report (one HTML file)."""
    from quality.report import write_report
    from repository.catalog.db import migrate
    from repository.settings import load_settings

    migrate()
    path = write_report(out or load_settings().home / "reports")
    console.print(f"Đã ghi báo cáo / report written: {path}")


@app.command()
def quality(
    batch: Annotated[str | None, typer.Option(help="Mã lô; bỏ trống để kiểm tra toàn kho / batch id")] = None,
) -> None:
    """Chạy bộ kiểm tra chất lượng (Great Expectations) / run the quality suites now."""
    from quality.checks import check_batch, check_catalog
    from repository.catalog.db import migrate

    migrate()
    run_id, result = (
        check_batch(batch, raise_on_critical=False) if batch else check_catalog(raise_on_critical=False)
    )
    table = Table(title=f"Kiểm tra chất lượng / quality ({result.scope}) {run_id[:8]}")
    for column in ("Kiểm tra / check", "Mức / severity", "Kết quả", "Lỗi / đã kiểm"):
        table.add_column(column)
    for check in result.checks:
        state = (
            "[green]đạt[/green]"
            if check.success
            else ("[red]KHÔNG ĐẠT[/red]" if check.severity == "critical" else "[yellow]cảnh báo[/yellow]")
        )
        table.add_row(check.description, check.severity, state, f"{check.failed}/{check.checked}")
    console.print(table)
    if not result.success:
        raise typer.Exit(1)


@app.command()
def kpi(
    month: Annotated[str | None, typer.Option(help="Tháng YYYY-MM (mặc định tháng này)")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Từ ngày YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Đến ngày YYYY-MM-DD")] = None,
    agency: Annotated[str | None, typer.Option(help="Mã cơ quan / agency code")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In JSON")] = False,
    xlsx: Annotated[Path | None, typer.Option(help="Ghi bảng tính XLSX / write a workbook")] = None,
) -> None:
    """Chỉ số phục vụ: số hóa, bản điện tử kết quả, tái sử dụng / the service indicators the city reports."""
    from datetime import date

    from quality.indicators import indicators, month_bounds, to_xlsx
    from repository.catalog.db import migrate

    migrate()
    try:
        if start or end:
            first, last = date.fromisoformat(start or end), date.fromisoformat(end or start)
        else:
            first, last = month_bounds(month or date.today().strftime("%Y-%m"))
    except ValueError:
        err.print("[red]Ngày hoặc tháng không hợp lệ (YYYY-MM, YYYY-MM-DD) / invalid date or month[/red]")
        raise typer.Exit(2) from None
    result = indicators(first, last, agency)
    if xlsx:
        to_xlsx(result, xlsx, first, last)
        err.print(f"Đã ghi / wrote {xlsx}")
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    from repository.web import formatting

    table = Table(title=f"Chỉ số phục vụ {formatting.day(first)} → {formatting.day(last)}")
    for column in ("Đơn vị", "Số hóa", "Bản điện tử KQ", "Tái sử dụng", "Không phải nộp lại", "Tiếp nhận"):
        table.add_column(column)
    rows = [("Toàn bộ", result["overall"])] + [(a["agency"], a) for a in result["agencies"]]
    for name, level in rows:
        rates = (_pct_or_dash(level[k]) for k in ("digitization_rate", "result_ecopy_rate", "reuse_rate"))
        table.add_row(name, *rates, str(level["documents_not_brought"]), str(level["counts"]["received"]))
    console.print(table)


def _pct_or_dash(value: float | None) -> str:
    from repository.web import formatting

    return formatting.percent(value)
