"""`Transactor`: one ledger transaction is one synchronous function, run in one hop.

Through aiosqlite every awaited statement is a hand-off to the driver's thread and back:
`BEGIN`, each `execute`, each fetch, `COMMIT` and the pool's reset on return, about ten per
transaction, each costing the event loop a wake-up. The ledger writes two short transactions
per job (admission, settlement), so they are written as plain functions over a synchronous
SQLAlchemy `Connection` and run whole:

- **SQLite file**: in one dedicated thread, over a synchronous engine on the same file with the
  same connection set-up (`bot.storage.db.install_sqlite_hooks`) and `BEGIN IMMEDIATE`: one
  hand-off per transaction. SQLite admits one writer at a time anyway, so one thread loses
  nothing; readers (the async engine) are not blocked in WAL mode.
- **PostgreSQL**, and SQLite in memory (a second engine could not share it): through
  `AsyncConnection.run_sync` on the async engine. asyncpg has no thread to hop to; each
  statement is a round trip either way.

A transaction handed to the thread runs to its end even if the awaiting task is cancelled
meanwhile (a thread cannot be interrupted): callers that must know the outcome (admission)
wait for it, see `Transactor.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import BEGIN_OPTION, busy_timeout_ms, install_sqlite_hooks, is_sqlite, sqlite_file

T = TypeVar("T")


class Transactor:
    """Runs ledger transactions for one `Store`.

    Args:
        engine: The store's async engine (already migrated).
        timeout: The database timeout (SQLite: the busy timeout of the ledger's connection).
    """

    def __init__(self, engine: AsyncEngine, timeout: float | None) -> None:
        self._async = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}) if is_sqlite(engine) else engine
        self._sync: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self.handoffs = 0
        """Transactions handed to the ledger thread so far (each one a single hop)."""
        path = sqlite_file(engine.url) if is_sqlite(engine) else None
        if path is not None:
            self._sync = create_sync_engine(
                engine.url.set(drivername="sqlite+pysqlite"), pool_size=1, max_overflow=0
            ).execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
            install_sqlite_hooks(self._sync, busy_timeout_ms(timeout))

    @property
    def engine(self) -> Engine | None:
        """The ledger thread's synchronous engine (SQLite files), else None."""
        return self._sync

    async def run(self, transaction: Callable[[Connection], T]) -> T:
        """Run `transaction(conn)` inside `BEGIN … COMMIT` (rolled back if it raises).

        On the ledger thread, a cancellation of the caller does not stop the transaction: this
        waits for it to end, then re-raises the cancellation, so a caller never mistakes a
        committed write for one that did not happen.
        """
        if self._sync is None:
            async with self._async.begin() as conn:
                return await conn.run_sync(transaction)
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="ledger")
        sync = self._sync

        def whole() -> T:
            with sync.begin() as conn:
                return transaction(conn)

        self.handoffs += 1
        done = asyncio.get_running_loop().run_in_executor(self._thread, whole)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            await asyncio.wait([done])
            raise

    async def close(self) -> None:
        """Close the ledger thread's connection (in that thread) and stop the thread."""
        if self._sync is None:
            return
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._sync.dispose)
            self._thread.shutdown(wait=False)
            self._thread = None
        else:
            self._sync.dispose()
