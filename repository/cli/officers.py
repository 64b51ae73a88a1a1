"""What officers ask from a terminal: reuse check and search."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from repository.cli.app import app, console, err


@app.command("reuse-check")
def reuse_check_command(
    owner_id: Annotated[str, typer.Option("--owner-id", help="Số định danh / mã số thuế của người nộp")],
    owner_kind: Annotated[
        str, typer.Option("--owner-kind", help="citizen / công dân | organization / tổ chức")
    ],
    procedure: Annotated[str | None, typer.Option(help="Mã thủ tục / procedure code")] = None,
    types: Annotated[str | None, typer.Option(help="Loại giấy tờ cần, cách nhau bằng dấu phẩy")] = None,
    on: Annotated[str | None, typer.Option(help="Ngày nộp hồ sơ YYYY-MM-DD (mặc định hôm nay)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Giấy tờ người nộp không cần nộp lại / which documents the applicant need not bring again."""
    from datetime import date

    from repository.catalog.db import migrate
    from repository.catalog.procedures import UnknownProcedure
    from repository.identifiers import InvalidIdentifier, normalize_owner
    from repository.reuse.rules import reuse_check

    if not procedure and not types:
        err.print("[red]Cần --procedure hoặc --types / give --procedure or --types[/red]")
        raise typer.Exit(2)
    try:
        kind, identifier = normalize_owner(owner_kind, owner_id)
        day = date.fromisoformat(on) if on else date.today()
    except (InvalidIdentifier, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    migrate()
    try:
        report = reuse_check(
            kind, identifier, procedure=procedure, types=types.split(",") if types else None, on=day
        )
    except UnknownProcedure as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Tái sử dụng / reuse - {procedure or types} - {day.isoformat()}")
    for column in ("Giấy tờ / document", "Kết quả / outcome", "Mã kết quả số hóa / reason"):
        table.add_column(column)
    for outcome in report.as_json()["results"]:
        if outcome["satisfied"]:
            table.add_row(outcome["type_name"] or outcome["type"], "[green]đã có, không cần nộp[/green]",
                          outcome["result_code"])  # fmt: skip
        else:
            table.add_row(
                outcome["type_name"] or outcome["type"], "[yellow]cần nộp[/yellow]", outcome["reason_text"]
            )
    console.print(table)
    console.print(
        f"Người nộp không cần mang {report.need_not_bring} giấy tờ / need not bring {report.need_not_bring}"
    )


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Từ khóa, không cần dấu / words, accents optional")],
    doc_type: Annotated[str | None, typer.Option("--type", help="Loại giấy tờ / document type")] = None,
    owner_id: Annotated[str | None, typer.Option("--owner-id", help="Định danh chủ sở hữu")] = None,
    owner_kind: Annotated[str, typer.Option("--owner-kind")] = "citizen",
    limit: Annotated[int, typer.Option(help="Số kết quả / results")] = 10,
) -> None:
    """Tìm trong nội dung giấy tờ đã số hóa / full-text search, accent-insensitive."""
    from sqlalchemy import select

    from repository.catalog.db import migrate, session_scope
    from repository.catalog.models import Owner
    from repository.catalog.search import search
    from repository.identifiers import InvalidIdentifier, normalize_owner

    migrate()
    with session_scope() as session:
        owner = None
        if owner_id:
            try:
                kind, identifier = normalize_owner(owner_kind, owner_id)
            except InvalidIdentifier as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from None
            owner = session.scalar(select(Owner.id).where(Owner.kind == kind, Owner.identifier == identifier))
            if owner is None:
                console.print("Không có chủ sở hữu này trong kho / no such owner")
                return
        hits, total = search(session, query, owner=owner, type_code=doc_type, limit=limit)
    table = Table(title=f"Tìm '{query}': {total} trang / pages")
    for column in ("Tài liệu / document", "Trang", "Loại / type", "Đoạn trích / snippet"):
        table.add_column(column)
    for hit in hits:
        marked = hit.snippet.replace("<mark>", "[bold yellow]").replace("</mark>", "[/bold yellow]")
        table.add_row(hit.document_id[:8], str(hit.page), hit.type or "-", marked)
    console.print(table)
