"""The ``sohoa`` command's application, its consoles, and how a refusal becomes an exit code."""

from __future__ import annotations

import typer
from rich.console import Console

from repository.errors import DomainError, Kind

app = typer.Typer(
    help="sohoa - số hóa hồ sơ thủ tục hành chính / digitize administrative case files.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

# Exit codes by kind of refusal: 1 "the thing is not there or not in that state", 2 "the command's
# input is wrong" (as typer's own usage errors).
EXIT_CODES = {Kind.NOT_FOUND: 1, Kind.CONFLICT: 1, Kind.GONE: 1}


def fail(exc: DomainError) -> typer.Exit:
    """Print a refusal (Vietnamese message and its code) and give the exit to raise."""
    err.print(f"[red]{exc.message}[/red] ({exc.code})")
    return typer.Exit(EXIT_CODES.get(exc.kind, 2))
