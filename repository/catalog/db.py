"""Engines, sessions and migrations for the catalog (SQLite or PostgreSQL, same schema)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from repository.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"
# A pooled connection idle longer than this is pinged before use (a restarted server or a dropped
# link is then noticed before the request needs it); busier ones are not, which saves the API a
# round trip per request.
PING_AFTER_IDLE_SECONDS = 10.0
T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling begins a transaction only at the first INSERT/UPDATE, so a
    # read-then-write (the audit head, then the event chained to it) saw a head another writer was
    # about to move, and its SAVEPOINT before any write started and committed a transaction of its
    # own (rows survived the outer rollback). We take over: SQLAlchemy's "begin" emits the BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the pipeline writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # IMMEDIATE takes the write lock at BEGIN: transactions that write serialize from their first
    # read, so no writer decides on a state another is changing (WAL readers outside a transaction
    # are not held up). A deferred BEGIN would fail such a transaction with SQLITE_BUSY_SNAPSHOT.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default SOHOA_DATABASE_URL), one per URL per process."""
    return _engine(url or load_settings().database_url)


def _engine(url: str, autocommit: bool = False) -> Engine:
    return _make_engine(url, autocommit)  # one cache key per (url, autocommit), however it is called


@cache
def _make_engine(url: str, autocommit: bool) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    url = _driver_url(url, "psycopg")
    # Autocommit engines (their own pool) serve single-statement reads: no BEGIN/COMMIT round trips.
    # A database that does not answer fails the request within seconds instead of holding it (the
    # API's token check runs on the event loop).
    # Pre-ping: a connection the server dropped (a restart) is replaced, not handed to a request.
    # hide_parameters: a failed statement's message (logged with its traceback) never carries the
    # identifiers and names it was given.
    options: dict[str, Any] = {"connect_args": {"connect_timeout": 5}, "pool_pre_ping": True,
                               "hide_parameters": True}  # fmt: skip
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(url, **options)
    _watch_idle(engine)
    return engine


def _driver_url(url: str, driver: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"postgresql+{driver}://{rest}" if scheme in ("postgresql", "postgresql+psycopg") else url


def _watch_idle(engine: Engine) -> None:
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))


def _note_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as exc:
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def migrate(url: str | None = None) -> None:
    """Bring the catalog to the newest schema (idempotent)."""
    from alembic import command
    from alembic.config import Config

    engine = get_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    from repository.catalog import case_facts

    with session_scope(url) as session:
        case_facts.refresh(session)  # cases from before the facts were kept (none, once done)


CONFLICT_ATTEMPTS = 4


def on_conflict_retry(work: Callable[[], T]) -> T:
    """``work()`` (its own transaction) again when a concurrent insert of the same row won: the
    retry finds the row. Idempotent calls stay idempotent under concurrency, on both engines."""
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return work()
        except IntegrityError:
            if attempt == CONFLICT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def on_conflict_retry_async(work: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return await work()
        except IntegrityError:
            if attempt == CONFLICT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back if it raises."""
    with _sessions(url or load_settings().database_url)() as session, session.begin():
        yield session


@contextmanager
def read_scope(url: str | None = None) -> Iterator[Session]:
    """For officers' reads on PostgreSQL: every statement is its own transaction (autocommit), so a
    read and its one-statement audit append cost no BEGIN/COMMIT round trips; the audit event is
    durable before the response leaves. SQLite (whose audit append takes several statements) gets
    an ordinary transaction."""
    url = url or load_settings().database_url
    if not url.startswith("postgresql"):
        with session_scope(url) as session:
            yield session
        return
    with _sessions(url, autocommit=True)() as session:
        yield session


async def in_read_scope(url: str, work: Callable[[Session], T]) -> T:
    """``work(session)`` in a ``read_scope``, awaited from an async route.

    On PostgreSQL it runs on the event loop itself: the ordinary Session code drives psycopg's async
    connection through SQLAlchemy's greenlet bridge, so a request does no hand-off to a worker thread
    and back (about 1.5 ms of an officer's ~8 ms lookup on a small machine) and waits for the
    database without holding the loop. SQLite has no async driver here: a worker thread runs it.
    """
    if url.startswith("postgresql"):
        async with _async_sessions(url)() as session:
            return await session.run_sync(work)
    from anyio import to_thread

    return await to_thread.run_sync(_read_in_thread, url, work)


def _read_in_thread(url: str, work: Callable[[Session], T]) -> T:
    with read_scope(url) as session:
        return work(session)


@cache
def _async_sessions(url: str) -> async_sessionmaker:
    _track_case_facts()
    return async_sessionmaker(_async_engine(url), expire_on_commit=False)


def _async_engine(url: str) -> AsyncEngine:
    # Autocommit, as read_scope's engine. One engine per process: the server runs one event loop;
    # the pool's queue and psycopg's locks only bind to a loop when two tasks wait on them, so the
    # test client's short-lived loops (one request at a time) can share it too.
    engine = create_async_engine(
        _driver_url(url, "psycopg_async"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
        hide_parameters=True,
    )
    _watch_idle(engine.sync_engine)
    return engine


def _sessions(url: str, autocommit: bool = False) -> sessionmaker:
    return _make_sessions(url, autocommit)


@cache
def _track_case_facts() -> None:
    from repository.catalog import case_facts

    case_facts.track()


def _make_sessions(url: str, autocommit: bool) -> sessionmaker:
    _track_case_facts()
    return sessionmaker(_engine(url, autocommit), expire_on_commit=False)


def fetch_one(url: str, sql: str, params: dict[str, Any]) -> tuple | None:
    """One row of one read-only statement on a pooled connection, outside any transaction.

    For the per-request checks (tokens): SQLAlchemy's execution layer and the BEGIN/ROLLBACK round
    trips around a lone SELECT cost several times the query itself on a small machine. ``sql`` uses
    ``:name`` parameters, portable across both catalogs; values come back as the driver returns them
    (SQLite: timestamps as text).
    """
    postgres = url.startswith("postgresql")
    # PostgreSQL: the autocommit pool, a lone SELECT is its own transaction; sqlite3 opens none for it.
    connection = _engine(url, autocommit=postgres).raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(_pyformat(sql) if postgres else sql, params)
            return cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool


@cache
def _pyformat(sql: str) -> str:
    return re.sub(r"(?<!:):([A-Za-z_]\w*)", r"%(\1)s", sql.replace("%", "%%"))
