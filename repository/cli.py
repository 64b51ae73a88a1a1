"""The ``sohoa`` command: Vietnamese first, English where it helps."""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="sohoa - số hóa hồ sơ thủ tục hành chính / digitize administrative case files.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


@app.command()
def samples(
    directory: Annotated[Path, typer.Argument(help="Thư mục ghi lô mẫu / where to write the sample batch")],
) -> None:
    """Tạo lô hồ sơ mẫu kèm manifest / write a realistic sample batch with its manifest."""
    from repository.samples import generate

    manifest = generate(directory)
    files = [p for p in directory.iterdir() if p.is_file() and p != manifest]
    console.print(f"Đã tạo {len(files)} tệp mẫu và {manifest} / wrote {len(files)} sample files")


@app.command()
def run(
    inbox: Annotated[
        Path | None, typer.Argument(help="Thư mục nhận / inbox (mặc định $SOHOA_HOME/inbox)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In tóm tắt dạng JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Hiện nhật ký Airflow")] = False,
) -> None:
    """Chạy DAG số hóa trong tiến trình và in tóm tắt lô / run the digitization DAG in-process."""
    from repository.db import migrate
    from repository.runner import run_dag
    from repository.settings import load_settings
    from repository.summary import batch_summary

    settings = load_settings()
    inbox = (inbox or settings.inbox).resolve()
    migrate()
    outcome = run_dag(conf={"inbox": str(inbox)}, quiet=not verbose)
    if outcome.batch_id is None:
        err.print(f"[red]Lần chạy {outcome.run_id} không đăng ký được lô nào ({outcome.state}).[/red]")
        raise typer.Exit(1)
    summary = batch_summary(outcome.batch_id)
    if as_json:
        print(json.dumps(summary.as_json() | {"run_state": outcome.state}, ensure_ascii=False, indent=2))
    else:
        print_summary(summary, outcome.state)
    if outcome.state != "success" or summary.refused:
        raise typer.Exit(1)


def print_summary(summary, state: str) -> None:
    from repository.catalog import OwnerKind

    table = Table(title=f"Tóm tắt lô / batch summary - {summary.inbox}", show_header=True)
    table.add_column("Chỉ số / measure")
    table.add_column("Giá trị / value", justify="right")
    table.add_row("Tệp / files", str(summary.files))
    for status, count in sorted(summary.by_status.items()):
        table.add_row(f"  trạng thái / status: {status}", str(count))
    table.add_row("Tài liệu / documents", str(summary.documents))
    table.add_row("Trang / pages", str(summary.pages))
    table.add_row("  lớp chữ sẵn có / text layer", str(summary.pages_by_method.get("text", 0)))
    table.add_row("  nhận dạng OCR / OCR", str(summary.pages_by_method.get("ocr", 0)))
    table.add_row("Độ tin cậy OCR trung bình / mean", _pct(summary.mean_confidence))
    table.add_row("Độ tin cậy OCR thấp nhất / lowest", _pct(summary.lowest_confidence))
    table.add_row("Trạng thái lần chạy / run state", state)
    console.print(table)

    owners = Table(title="Tài liệu theo chủ sở hữu / documents per owner")
    for column in ("Chủ sở hữu / owner", "Loại / kind", "Định danh / identifier", "Tài liệu / documents"):
        owners.add_column(column)
    for line in summary.owners:
        kind = "công dân" if line.kind == OwnerKind.CITIZEN else "tổ chức"
        owners.add_row(line.name or line.owner_key[:8], kind, line.masked_identifier, str(line.documents))
    console.print(owners)

    if summary.refused:
        err.print(f"[red]Lô bị từ chối / batch refused: {summary.refused}[/red]")
    if summary.problems and not console.is_terminal:
        # A log or a pipe: one plain line per file, never cut to a table's width.
        print("Tệp cần chú ý / files needing attention:")
        for file, status, reason in summary.problems:
            print(f"- {file} [{status}]: {reason}")
    elif summary.problems:
        problems = Table(title="Tệp cần chú ý / files needing attention")
        for column in ("Tệp / file", "Trạng thái / status", "Lý do / reason"):
            problems.add_column(column)
        for file, status, reason in summary.problems:
            problems.add_row(file, status, reason)
        console.print(problems)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


@app.command()
def ocr(
    files: Annotated[list[Path], typer.Argument(help="Tệp PDF hoặc ảnh / PDF or image files")],
    as_json: Annotated[bool, typer.Option("--json", help="Một đối tượng JSON mỗi dòng / JSON lines")] = False,
    workers: Annotated[
        int | None, typer.Option(help="Số tiến trình OCR / OCR workers (default: cores)")
    ] = None,
) -> None:
    """Nhận dạng trang của các tệp / read pages of ad-hoc files: text, method, confidence."""
    from ocr.engine import EngineMissing, check_engine

    try:
        check_engine()
    except EngineMissing as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    readings = ReadFiles(files, workers, as_json)
    for path, reading, seconds in readings:
        if as_json:
            pages = [
                {"number": p.number, "method": p.method, "confidence": p.confidence, "text": p.text}
                for p in reading.pages
            ]
            print(
                json.dumps({"file": str(path), "pages": pages, "seconds": seconds}, ensure_ascii=False),
                flush=True,
            )
        else:
            for p in reading.pages:
                console.rule(f"{path} - trang {p.number} - {p.method} - {p.confidence:.1f}")
                console.print(p.text, markup=False, highlight=False)
    if readings.failed:
        raise typer.Exit(1)


class ReadFiles:
    """Pages of each file in turn; a file that cannot be read is reported (JSON or red) and skipped."""

    def __init__(self, files: list[Path], workers: int | None, as_json: bool) -> None:
        self.files, self.workers, self.as_json, self.failed = files, workers, as_json, False

    def __iter__(self):
        from ocr.document import read_document
        from ocr.pages import BadInput
        from repository.digitize import page_limits

        for path in self.files:
            started = time.perf_counter()
            try:
                reading = read_document(path, workers=self.workers, limits=page_limits())
            except (BadInput, FileNotFoundError, IsADirectoryError) as exc:
                self.failed = True
                reason = str(exc) if isinstance(exc, BadInput) else "không đọc được tệp / cannot read file"
                if self.as_json:
                    print(json.dumps({"file": str(path), "error": reason}, ensure_ascii=False), flush=True)
                else:
                    err.print(f"[red]{path}: {reason}[/red]")
                continue
            yield path, reading, round(time.perf_counter() - started, 3)


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Tệp PDF hoặc ảnh / PDF or image files")],
    as_json: Annotated[bool, typer.Option("--json", help="Một đối tượng JSON mỗi dòng / JSON lines")] = False,
    declared: Annotated[
        str | None, typer.Option(help="Loại khai báo (gợi ý) / declared type, a hint")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Số tiến trình OCR / OCR workers (default: cores)")
    ] = None,
) -> None:
    """Nhận biết loại giấy tờ và trích xuất trường / document type and fields of ad-hoc files."""
    from ocr.understand import understand

    readings = ReadFiles(files, workers, as_json)
    for path, reading, _seconds in readings:
        result = understand([(p.number, p.text, p.confidence) for p in reading.pages], declared=declared)
        if as_json:
            print(json.dumps({"file": str(path)} | result.as_json(), ensure_ascii=False), flush=True)
            continue
        kind = result.document_type
        table = Table(title=f"{path} - {kind.name if kind else 'không rõ loại / unknown type'}"
                      f" ({result.type_confidence:.2f})")  # fmt: skip
        for column in ("Trường / field", "Giá trị / value", "Tin cậy", "Trang", "Dòng"):
            table.add_column(column)
        for name, f in result.fields.items():
            table.add_row(name, f.value, f"{f.confidence:.2f}", str(f.page), str(f.line))
        console.print(table)
        if result.missing:
            console.print(f"[yellow]Thiếu / missing: {', '.join(result.missing)}[/yellow]")
    if readings.failed:
        raise typer.Exit(1)


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

    from repository.db import migrate
    from repository.identifiers import InvalidIdentifier, normalize_owner
    from repository.reuse import UnknownProcedure, reuse_check

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

    from repository.catalog import Owner
    from repository.db import migrate, session_scope
    from repository.identifiers import InvalidIdentifier, normalize_owner
    from repository.search import search

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


@app.command()
def upload(
    directory: Annotated[Path, typer.Argument(help="Thư mục chứa các tệp / directory with the scans")],
    manifest: Annotated[
        Path | None, typer.Option(help="Manifest CSV/JSON (mặc định manifest.csv trong thư mục)")
    ] = None,
    server: Annotated[str, typer.Option(help="Địa chỉ máy chủ sohoa / server URL")] = "http://127.0.0.1:8000",
    timeout: Annotated[float, typer.Option(help="Chờ xử lý tối đa (giây) / seconds to wait")] = 3600,
    token: Annotated[
        str | None, typer.Option(envvar="SOHOA_TOKEN", help="Mã truy cập (records_staff) / API token")
    ] = None,
) -> None:
    """Tải một lô lên máy chủ và theo dõi đến khi xong / upload a batch to `sohoa serve` and follow it."""
    import httpx
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from repository import uploads
    from repository.intake import MANIFEST_NAMES, ManifestError, find_manifest, read_manifest, safe_member

    directory = directory.resolve()
    try:
        manifest = manifest or find_manifest(directory)
        rows = read_manifest(manifest)
    except ManifestError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    local: list[tuple[str, str]] = []  # (file, reason) refused before upload
    sending = []
    for row in rows:
        name = row.values.get("file", "")
        try:
            path = safe_member(directory, name)
        except ValueError as exc:
            local.append((name, str(exc)))
            continue
        if not path.is_file():
            local.append((name, "không tìm thấy tệp / file not found"))
            continue
        sending.append((row, path))
    listed = {p.resolve() for _, p in sending} | {manifest.resolve()}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name not in MANIFEST_NAMES and path.resolve() not in listed:
            local.append((str(path.relative_to(directory)), "tệp không có trong manifest / not listed"))
    if not token:
        err.print("[red]Cần --token hoặc SOHOA_TOKEN (sohoa users add ... --role records_staff)[/red]")
        raise typer.Exit(2)
    client = httpx.Client(
        base_url=server.rstrip("/"), timeout=120, headers={"Authorization": f"Bearer {token}"}
    )
    try:
        created = client.post("/api/uploads")
    except httpx.HTTPError as exc:
        err.print(f"[red]Không kết nối được máy chủ {server} / cannot reach the server: {exc}[/red]")
        raise typer.Exit(2) from None
    if created.status_code >= 400:
        err.print(f"[red]{created.json().get('error', {}).get('message', created.text)}[/red]")
        raise typer.Exit(2)
    upload_id = created.json()["upload_id"]
    total = sum(p.stat().st_size for _, p in sending)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task("Tải lên / uploading", total=total)
        for row, path in sending:
            meta = {k: row.values.get(k) or "" for k in uploads.META_FIELDS}
            with open(path, "rb") as f:
                reply = client.post(
                    f"/api/uploads/{upload_id}/files",
                    files={"file": (path.relative_to(directory).as_posix().replace("/", "_"), f)},
                    data=meta,
                )
            if reply.status_code >= 400:
                local.append(
                    (row.values.get("file", ""), reply.json().get("error", {}).get("message", reply.text))
                )
            progress.advance(task, path.stat().st_size)
    started = client.post(f"/api/uploads/{upload_id}/start")
    if started.status_code >= 400:
        err.print(f"[red]{started.json().get('error', {}).get('message', started.text)}[/red]")
        raise typer.Exit(1)
    deadline = time.monotonic() + timeout
    with err.status("Đang số hóa / digitizing…"):
        while True:
            status = client.get(f"/api/uploads/{upload_id}").json()
            if status["done"] or time.monotonic() > deadline:
                break
            time.sleep(1)
    table = Table(title=f"Kết quả lô / batch results ({upload_id[:8]})")
    for column in ("Tệp / file", "Trạng thái / status", "Trang", "Lý do / reason"):
        table.add_column(column)
    for entry in status["files"]:
        table.add_row(entry["name"], entry["label"], str(entry["pages"] or ""), entry["reason"] or "")
    for name, reason in local:
        table.add_row(name, "Bị từ chối / rejected", "", reason)
    console.print(table)
    if not status["done"]:
        err.print("[yellow]Chưa xử lý xong trong thời gian chờ / not finished within the timeout[/yellow]")
        raise typer.Exit(1)
    if local or any(f["status"] in ("rejected", "failed") for f in status["files"]):
        raise typer.Exit(1)


@app.command()
def watch(
    once: Annotated[bool, typer.Option("--once", help="Kiểm tra một lần rồi thoát / check once")] = False,
    interval: Annotated[float, typer.Option(help="Giây giữa hai lần kiểm tra / seconds between checks")] = 30,
    quiet_seconds: Annotated[float, typer.Option(help="Lô phải yên bao lâu (giây) / settle time")] = 30,
) -> None:
    """Theo dõi vùng thả và số hóa lô mới / watch the drop zone and digitize new batches (embedded)."""
    from repository.dropzone import dropzone_root, ready_inboxes
    from repository.runner import run_dag
    from repository.summary import batch_summary

    dropzone_root().mkdir(parents=True, exist_ok=True)
    console.print(f"Vùng thả / drop zone: {dropzone_root()} (và tiền tố dropzone/ trong kho lưu trữ)")
    while True:
        for inbox in ready_inboxes(quiet_seconds):
            console.print(f"Lô mới / new batch: {inbox}")
            outcome = run_dag(conf={"inbox": inbox})
            if outcome.batch_id:
                print_summary(batch_summary(outcome.batch_id), outcome.state)
        if once:
            return
        time.sleep(interval)


users_app = typer.Typer(help="Người dùng và mã truy cập / users and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
audit_app = typer.Typer(help="Nhật ký truy cập / the access audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="records_staff | officer | steward | admin")],
    agency: Annotated[str | None, typer.Option(help="Mã cơ quan / agency code")] = None,
    days: Annotated[int, typer.Option(help="Mã hết hạn sau (ngày) / token lifetime in days")] = 90,
) -> None:
    """Tạo người dùng và in mã truy cập một lần duy nhất / add a user; prints a new token once."""
    from repository.auth import AuthError, add_user
    from repository.db import migrate

    migrate()
    try:
        token = add_user(name, role, agency, days)
    except AuthError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    err.print(f"Mã truy cập của {name} ({role}, {agency or '-'}), hết hạn sau {days} ngày; chỉ hiện một lần:")
    print(token)


@users_app.command("revoke")
def users_revoke(name: str) -> None:
    """Thu hồi mọi mã truy cập của người dùng / revoke every token of a user."""
    from repository.auth import AuthError, revoke
    from repository.db import migrate

    migrate()
    try:
        count = revoke(name)
    except AuthError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã thu hồi {count} mã của {name} / revoked {count} token(s)")


@users_app.command("list")
def users_list() -> None:
    """Liệt kê người dùng / list users, roles, agencies and live tokens."""
    from repository.auth import list_users
    from repository.db import migrate

    migrate()
    table = Table(title="Người dùng / users")
    for column in (
        "Tên / name",
        "Vai trò / role",
        "Cơ quan / agency",
        "Mã còn hiệu lực",
        "Hết hạn / expires",
    ):
        table.add_column(column)
    for user in list_users():
        expires = user["expires"].strftime("%Y-%m-%d") if user["expires"] else "-"
        table.add_row(user["name"], user["role"], user["agency"] or "-", str(user["live_tokens"]), expires)
    console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Kiểm tra chuỗi băm của nhật ký / verify the audit log's hash chain (exit 1 if tampered)."""
    from repository.audit import verify
    from repository.db import migrate
    from repository.storage import open_store

    migrate()
    result = verify(store=open_store())  # against the signed checkpoints too
    if result.ok:
        console.print(f"[green]Nhật ký nguyên vẹn / intact[/green]: {result.events} sự kiện / events")
        return
    for problem in result.problems:
        err.print(f"[red]{problem}[/red]")
    err.print(f"Nhật ký đã bị can thiệp / the audit log was tampered with ({len(result.problems)} problems)")
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Neo đầu chuỗi ra kho đối tượng (có ký) / anchor the chain's head, signed, in the object store."""
    from repository.audit import checkpoint
    from repository.db import migrate
    from repository.storage import open_store

    migrate()
    anchor = checkpoint(open_store())
    console.print(f"Đã neo / anchored: {anchor['count']} sự kiện, đến #{anchor['last_id']}")


review_app = typer.Typer(
    help="Hàng đợi kiểm tra / the review queue and steward actions.", no_args_is_help=True
)
app.add_typer(review_app, name="review")
ActorOption = Annotated[str, typer.Option("--by", help="Người kiểm tra / steward acting")]


def _review_call(action, *args, **kwargs):
    from quality.review import ReviewError
    from repository.db import migrate

    migrate()
    try:
        result = action(*args, **kwargs)
    except ReviewError as exc:
        err.print(f"[red]{exc.message}[/red] ({exc.code})")
        raise typer.Exit(1 if exc.status == 404 else 2) from None
    if action.__name__ != "review_queue":  # a steward's action on a citizen's record goes on the audit log
        from repository.audit import record_document_action

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
    from repository.db import migrate
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
    from repository.db import migrate

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
def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
) -> None:
    """Chạy API kho dữ liệu / serve the repository API (OpenAPI at /openapi.json)."""
    import uvicorn

    from repository.access import access_log_config
    from repository.api import create_app
    from repository.db import migrate
    from repository.settings import load_settings

    migrate()
    app = create_app()
    # What was loaded at startup lives as long as the server: keep it out of the collector's full
    # passes (each took ~40 ms here, landing on whichever request was running). A request allocates
    # thousands of short-lived objects that reference counting frees anyway; at the default youngest
    # threshold (700) the cycle collector ran several times per request (~1 ms of an officer's read
    # at 1M documents). Cycles are still collected, every 20,000 allocations.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    trusted = load_settings().trusted_proxies
    # X-Forwarded-For is believed only from the proxies named in SOHOA_TRUSTED_PROXIES: from anyone
    # else it would let a client pick its own address (and dodge the login limiter).
    uvicorn.run(app, host=host, port=port, proxy_headers=bool(trusted),
                forwarded_allow_ips=",".join(trusted) or None, log_config=access_log_config())  # fmt: skip


def main() -> None:
    sys.exit(app())
