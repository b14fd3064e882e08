"""Engine construction for SQLite (aiosqlite, the default) and PostgreSQL (asyncpg).

SQLite connections are set up once per DBAPI connection: WAL journal, `synchronous=NORMAL`,
a busy timeout and foreign keys. SQLAlchemy takes over `BEGIN` from the sqlite3 driver (its
legacy mode skips `BEGIN` before SELECT and DDL, which breaks transactional migrations), and a
connection or engine carrying the execution option `sqlite_begin="IMMEDIATE"` starts its
transactions with `BEGIN IMMEDIATE`, taking SQLite's write lock up front so that a
read-then-write transaction cannot fail half way with `SQLITE_BUSY`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
"""Seconds a database call may take by default (`DATABASE_TIMEOUT`)."""
BEGIN_OPTION = "sqlite_begin"
"""Execution option naming the SQLite `BEGIN` flavour (`DEFERRED` or `IMMEDIATE`)."""


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite.

    Args:
        engine: An engine made by `create_engine`.

    Returns:
        True for SQLite, False otherwise (PostgreSQL).
    """
    return engine.dialect.name == "sqlite"


def write_engine(engine: AsyncEngine) -> AsyncEngine:
    """A view of `engine` whose transactions take the write lock first (SQLite only).

    On PostgreSQL the engine is returned unchanged: row locks and advisory locks are used there.

    Args:
        engine: An engine made by `create_engine`.

    Returns:
        An engine sharing the same pool.
    """
    if is_sqlite(engine):
        return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
    return engine


def busy_timeout_ms(timeout: float | None) -> int:
    """SQLite's busy timeout for a database `timeout` (None: 15 s)."""
    return round((timeout or 15.0) * 1000)


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory or URI database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def install_sqlite_hooks(sync_engine: Engine, busy_timeout_ms: int) -> None:
    """Set up every new SQLite connection of `sync_engine` and let it choose its `BEGIN` flavour.

    Args:
        sync_engine: A synchronous engine (an `AsyncEngine`'s `sync_engine`, or the ledger's).
        busy_timeout_ms: How long a write waits for another writer's lock.
    """

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching to WAL needs a lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(
    url: str,
    *,
    connect_args: dict[str, Any] | None = None,
    pool_size: int = 5,
    max_overflow: int = 10,
    echo: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> AsyncEngine:
    """Create the async engine for `DATABASE_URL`.

    Args:
        url: `sqlite+aiosqlite:///path/to/file.sqlite3` or `postgresql+asyncpg://user@host/db`.
            For SQLite the parent directory is created.
        connect_args: Passed to the driver, e.g. `{"server_settings": {"search_path": "s1"}}`
            for asyncpg.
        pool_size: Connections kept open (PostgreSQL and SQLite files).
        max_overflow: Extra connections allowed under bursts.
        echo: Log every statement (debugging only).
        timeout: Seconds for connecting, for each statement and for waiting for a pooled
            connection (PostgreSQL: asyncpg `timeout` and `command_timeout`, `pool_timeout`);
            SQLite's busy timeout (how long a write waits for another writer's lock). None
            leaves the drivers' defaults (no statement timeout on PostgreSQL).

    Returns:
        A configured `AsyncEngine`; dispose it with `await engine.dispose()`.

    Raises:
        ValueError: For a URL that is neither SQLite nor PostgreSQL.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    args = dict(connect_args or {})
    if backend == "sqlite":
        path = sqlite_file(parsed)
        # `:memory:` gets SQLAlchemy's StaticPool, which takes no sizing arguments.
        pool_args: dict[str, Any] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            pool_args = {"pool_size": pool_size, "max_overflow": max_overflow}
        engine = create_async_engine(parsed, connect_args=args, echo=echo, **pool_args)
        install_sqlite_hooks(engine.sync_engine, busy_timeout_ms(timeout))
        return engine
    if backend == "postgresql":
        pool_timeout: dict[str, Any] = {}
        if timeout is not None:
            # A frozen or unreachable server must not hold a member's request for long: bound
            # the connect, every statement and the wait for a free pooled connection.
            args.setdefault("timeout", timeout)
            args.setdefault("command_timeout", timeout)
            pool_timeout["pool_timeout"] = timeout
        return create_async_engine(
            parsed,
            connect_args=args,
            pool_size=pool_size,
            max_overflow=max_overflow,
            # Connections idle behind a proxy or after a server restart are replaced quietly.
            pool_pre_ping=True,
            pool_recycle=1800,
            echo=echo,
            **pool_timeout,
        )
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite+aiosqlite or postgresql+asyncpg")
