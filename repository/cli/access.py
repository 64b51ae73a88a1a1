"""Users, tokens and the audit chain."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from repository.cli.app import app, console, err, fail

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
    from repository.catalog.db import migrate
    from repository.errors import DomainError
    from repository.security.auth import add_user

    migrate()
    try:
        token = add_user(name, role, agency, days)
    except DomainError as exc:
        raise fail(exc) from None
    err.print(f"Mã truy cập của {name} ({role}, {agency or '-'}), hết hạn sau {days} ngày; chỉ hiện một lần:")
    print(token)


@users_app.command("revoke")
def users_revoke(name: str) -> None:
    """Thu hồi mọi mã truy cập của người dùng / revoke every token of a user."""
    from repository.catalog.db import migrate
    from repository.errors import DomainError
    from repository.security.auth import revoke

    migrate()
    try:
        count = revoke(name)
    except DomainError as exc:
        raise fail(exc) from None
    console.print(f"Đã thu hồi {count} mã của {name} / revoked {count} token(s)")


@users_app.command("list")
def users_list() -> None:
    """Liệt kê người dùng / list users, roles, agencies and live tokens."""
    from repository.catalog.db import migrate
    from repository.security.auth import list_users

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
    from repository.catalog.db import migrate
    from repository.security.audit import verify
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
    from repository.catalog.db import migrate
    from repository.security.audit import checkpoint
    from repository.storage import open_store

    migrate()
    anchor = checkpoint(open_store())
    console.print(f"Đã neo / anchored: {anchor['count']} sự kiện, đến #{anchor['last_id']}")
