"""Reading ad-hoc files: pages (OCR) and understanding (type, fields), for staff and benchmarks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repository.cli.app import app, console, err


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
    """Pages of each file, in the order given; a file that cannot be read is reported (JSON or red)
    and skipped. Files are read several at a time (as many as there are workers): their pages share
    one page pool, so a batch of one-page scans keeps every core busy, not one."""

    def __init__(self, files: list[Path], workers: int | None, as_json: bool) -> None:
        self.files, self.workers, self.as_json, self.failed = files, workers, as_json, False

    def __iter__(self):
        from concurrent.futures import ThreadPoolExecutor

        from ocr.document import default_workers, read_document
        from ocr.pages import BadInput
        from repository.intake.preflight import page_limits
        from repository.settings import load_settings

        workers = self.workers or load_settings().ocr_workers
        limits = page_limits()

        def read(path: Path):
            started = time.perf_counter()
            try:
                return read_document(path, workers=workers, limits=limits), time.perf_counter() - started
            except (BadInput, FileNotFoundError, IsADirectoryError) as exc:
                return exc, 0.0

        # A few files ahead at most: the readings wait in memory until their turn to be printed.
        at_once = workers or default_workers()  # files read at a time: one per page worker
        with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="sohoa-read") as threads:
            ahead = 2 * at_once
            pending = [threads.submit(read, path) for path in self.files[:ahead]]
            for n, path in enumerate(self.files):
                reading, seconds = pending[n].result()
                pending[n] = None  # let the printed reading go
                if n + ahead < len(self.files):
                    pending.append(threads.submit(read, self.files[n + ahead]))
                if isinstance(reading, Exception):
                    self.failed = True
                    exc = reading
                    reason = (
                        str(exc) if isinstance(exc, BadInput) else "không đọc được tệp / cannot read file"
                    )
                    if self.as_json:
                        print(
                            json.dumps({"file": str(path), "error": reason}, ensure_ascii=False), flush=True
                        )
                    else:
                        err.print(f"[red]{path}: {reason}[/red]")
                    continue
                yield path, reading, round(seconds, 3)


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
