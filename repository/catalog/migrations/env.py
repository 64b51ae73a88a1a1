"""Alembic environment: run by ``repository.catalog.db.migrate`` on a live connection, or by alembic."""

from __future__ import annotations

from alembic import context

from repository.catalog.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from repository.catalog.db import get_engine

        with get_engine(config.get_main_option("sqlalchemy.url") or None).begin() as conn:
            _run_with(conn)
    else:
        _run_with(connection)


def _run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        context.run_migrations()


run()
