"""Batches: the sample batch, running the pipeline, handing a batch to a server, the drop zone."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repository.cli.app import app, console, err


@app.command()
def samples(
    directory: Annotated[Path, typer.Argument(help="Thư mục ghi lô mẫu / where to write the sample batch")],
) -> None:
    """Tạo lô hồ sơ mẫu kèm manifest / write a realistic sample batch with its manifest."""
    from repository.intake.samples import ensure_test_certificates, generate

    manifest = generate(directory)
    files = [p for p in directory.iterdir() if p.is_file() and p != manifest]
    console.print(f"Đã tạo {len(files)} tệp mẫu và {manifest} / wrote {len(files)} sample files")
    made = ensure_test_certificates()
    if made:
        err.print(
            f"[bold red]CHỈ DÙNG THỬ / TEST ONLY:[/bold red] chứng thư số tự ký cho {', '.join(made)}"
            " để ký bản sao điện tử của lô mẫu; không có giá trị pháp lý"
            " / self-signed test certificates for the samples"
        )


@app.command()
def run(
    inbox: Annotated[
        Path | None, typer.Argument(help="Thư mục nhận / inbox (mặc định $SOHOA_HOME/inbox)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In tóm tắt dạng JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Hiện nhật ký Airflow")] = False,
) -> None:
    """Chạy DAG số hóa trong tiến trình và in tóm tắt lô / run the digitization DAG in-process."""
    from repository.catalog.db import migrate
    from repository.pipeline.runner import run_dag
    from repository.pipeline.summary import batch_summary
    from repository.settings import load_settings

    settings = load_settings()
    inbox = (inbox or settings.inbox).resolve()
    # With --json, stdout carries the JSON alone: whatever Airflow and the page workers print while
    # the batch runs goes to stderr.
    with _stdout_to_stderr() if as_json else contextlib.nullcontext():
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


@contextlib.contextmanager
def _stdout_to_stderr():
    """File descriptor 1 pointed at stderr for the duration: Python's prints, logging handlers that
    hold sys.stdout, and child processes (which inherit the descriptor) alike."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def print_summary(summary, state: str) -> None:
    from repository.catalog.models import OwnerKind

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

    directory = directory.resolve()
    sending, local = _files_to_send(directory, manifest)
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
        err.print(f"[red]{_message(created)}[/red]")
        raise typer.Exit(2)
    upload_id = created.json()["upload_id"]
    local += _send(client, upload_id, directory, sending)
    started = client.post(f"/api/uploads/{upload_id}/start")
    if started.status_code >= 400:
        err.print(f"[red]{_message(started)}[/red]")
        raise typer.Exit(1)
    status = _follow(client, upload_id, timeout)
    _print_upload(upload_id, status, local)
    if not status["done"]:
        err.print("[yellow]Chưa xử lý xong trong thời gian chờ / not finished within the timeout[/yellow]")
        raise typer.Exit(1)
    if local or any(f["status"] in ("rejected", "failed") for f in status["files"]):
        raise typer.Exit(1)


def _files_to_send(directory: Path, manifest: Path | None) -> tuple[list, list[tuple[str, str]]]:
    """The manifest's rows with their files, and (file, reason) for what is refused before sending."""
    from repository.intake.manifest import (
        MANIFEST_NAMES,
        ManifestError,
        find_manifest,
        read_manifest,
        safe_member,
    )

    try:
        manifest = manifest or find_manifest(directory)
        rows = read_manifest(manifest)
    except ManifestError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    local: list[tuple[str, str]] = []
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
    return sending, local


def _message(reply) -> str:
    try:
        return reply.json().get("error", {}).get("message", reply.text)
    except ValueError:
        return reply.text


def _send(client, upload_id: str, directory: Path, sending: list) -> list[tuple[str, str]]:
    """Stream each file with its manifest fields, with a progress bar; returns what the server refused."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from repository.intake import uploads

    refused = []
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task("Tải lên / uploading", total=sum(p.stat().st_size for _, p in sending))
        for row, path in sending:
            meta = {k: row.values.get(k) or "" for k in uploads.META_FIELDS}
            with open(path, "rb") as f:
                name = path.relative_to(directory).as_posix().replace("/", "_")
                reply = client.post(f"/api/uploads/{upload_id}/files", files={"file": (name, f)}, data=meta)
            if reply.status_code >= 400:
                refused.append((row.values.get("file", ""), _message(reply)))
            progress.advance(task, path.stat().st_size)
    return refused


def _follow(client, upload_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    with err.status("Đang số hóa / digitizing…"):
        while True:
            status = client.get(f"/api/uploads/{upload_id}").json()
            if status["done"] or time.monotonic() > deadline:
                return status
            time.sleep(1)


def _print_upload(upload_id: str, status: dict, local: list[tuple[str, str]]) -> None:
    rows = [(e["name"], e["label"], str(e["pages"] or ""), e["reason"] or "") for e in status["files"]]
    rows += [(name, "Bị từ chối / rejected", "", reason) for name, reason in local]
    if not console.is_terminal:  # a log or a pipe: never cut a file name to a table's width
        for name, label, pages, reason in rows:
            print(f"- {name} [{label}] {pages}: {reason}".rstrip(": "))
        return
    table = Table(title=f"Kết quả lô / batch results ({upload_id[:8]})")
    for column in ("Tệp / file", "Trạng thái / status", "Trang", "Lý do / reason"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command()
def watch(
    once: Annotated[bool, typer.Option("--once", help="Kiểm tra một lần rồi thoát / check once")] = False,
    interval: Annotated[float, typer.Option(help="Giây giữa hai lần kiểm tra / seconds between checks")] = 30,
    quiet_seconds: Annotated[float, typer.Option(help="Lô phải yên bao lâu (giây) / settle time")] = 30,
) -> None:
    """Theo dõi vùng thả và số hóa lô mới / watch the drop zone and digitize new batches (embedded)."""
    from repository.intake.dropzone import dropzone_root, ready_inboxes
    from repository.pipeline.runner import run_dag
    from repository.pipeline.summary import batch_summary

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
