"""E-copies from the command line: an agency's test certificate, an e-copy of a document, verifying one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from repository.cli.app import app, console, err, fail
from repository.errors import DomainError

agency_app = typer.Typer(help="Cơ quan: chứng thư số ký bản sao / agencies' signing certificates.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(agency_app, name="agency")


@agency_app.command("cert")
def agency_cert(
    agency: Annotated[str, typer.Option("--agency", help="Mã cơ quan / agency code")],
    name: Annotated[str | None, typer.Option(help="Tên cơ quan in trên chứng thư / agency name")] = None,
    days: Annotated[int, typer.Option(help="Hiệu lực (ngày) / validity in days")] = 365,
) -> None:
    """Tạo chứng thư số TỰ KÝ để THỬ / make a SELF-SIGNED TEST certificate for an agency."""
    from repository.security.signing import make_test_certificate

    path = make_test_certificate(agency, name, days)
    err.print(
        "[bold red]CHỈ DÙNG THỬ / FOR TESTING ONLY:[/bold red] chứng thư tự ký, không có giá trị pháp lý;"
        " bản sao ký bằng nó chỉ xác minh được trong hệ thống này. Dùng chứng thư do Ban Cơ yếu Chính phủ"
        f" cấp cho cơ quan thật. / a self-signed certificate: e-copies signed with it verify only here.\n"
        f"Khóa / key: {path} (mật khẩu trong {path.with_suffix('.pass').name})"
    )


@app.command()
def ecopy(
    document_id: Annotated[str, typer.Argument(help="Mã giấy tờ / document id")],
    out: Annotated[Path, typer.Option("--out", help="Tệp PDF ghi ra / output file")],
    agency: Annotated[str | None, typer.Option(help="Cơ quan sao (mặc định: cơ quan của hồ sơ)")] = None,
) -> None:
    """Bản sao điện tử có ký số / the signed e-copy of a document ("SAO Y", QR), made once and kept."""
    from repository.catalog.db import migrate, session_scope
    from repository.catalog.models import Document
    from repository.pipeline.ecopy import issue
    from repository.storage import open_store

    migrate()
    store = open_store()
    try:
        with session_scope() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                err.print("[red]Không có giấy tờ này / no such document[/red]")
                raise typer.Exit(4)
            made = issue(session, store, doc, "sohoa-cli", agency=agency)
            key = made.object_key
    except DomainError as exc:
        raise fail(exc) from None
    out.write_bytes(store.get_bytes(key))
    console.print(f"Đã ghi bản sao điện tử / wrote the e-copy: {out}")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="Tệp PDF bản sao điện tử / the e-copy")],
    as_json: Annotated[bool, typer.Option("--json", help="Kết quả dạng JSON")] = False,
) -> None:
    """Xác minh bản sao điện tử (thoát 0 chỉ khi hợp lệ) / verify an e-copy (exit 0 only when valid)."""
    from repository.catalog.db import migrate, read_scope
    from repository.pipeline.ecopy import STATUS_NAMES
    from repository.pipeline.ecopy import verify as check

    if not file.is_file():
        err.print(f"[red]{file}: không tìm thấy tệp / no such file[/red]")
        raise typer.Exit(2)
    migrate()
    with read_scope() as session:
        verdict = check(file.read_bytes(), session)
    if as_json:
        print(json.dumps(verdict.as_json(), ensure_ascii=False, indent=2))
    else:
        mark = "[green]HỢP LỆ / VALID[/green]" if verdict.valid else "[red]KHÔNG HỢP LỆ / NOT VALID[/red]"
        console.print(f"{file.name}: {mark}")
        today = STATUS_NAMES.get(verdict.document_status or "", verdict.document_status or "-")
        for label, value in (
            ("chữ ký nguyên vẹn / intact", verdict.signed and verdict.intact),
            ("cơ quan ký / signed by", f"{verdict.agency or '-'} (tin cậy / trusted: {verdict.trusted})"),
            ("toàn bộ tệp / whole file", verdict.whole_file),
            ("do hệ thống cấp / issued here", verdict.issued_here),
            ("bản hiện hành / current", verdict.current),
            ("giấy tờ hôm nay / document today", today),
        ):
            console.print(f"  {label}: {value}")
        for problem in verdict.problems:
            console.print(f"  - {problem}")
    if not verdict.valid:
        raise typer.Exit(1)
