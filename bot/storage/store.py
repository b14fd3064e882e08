"""`Store`: the storage facade the bot holds (settings, jobs, ledger, audit, meta).

The methods live in three parts: `bot.storage._settings.SettingsMixin` (cached settings with
compare-and-set writes and cross-process invalidation), `bot.storage._ledger.LedgerMixin`
(jobs, usage, audit, data deletion) and `bot.storage._admission.AdmissionMixin` (atomic
admission against quotas and budgets, exactly-once settlement, crash reconciliation). This
module wires them to one engine and owns the lifecycle:
`Store.open(url, redis_url=...)` … `await store.close()`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.error_messages import is_outage
from bot.errors import ServiceUnavailableError
from bot.policy.schemas import ChannelSettings, GuildSettings
from bot.storage._admission import AdmissionMixin
from bot.storage._ledger import LedgerMixin
from bot.storage._retention import RetentionMixin
from bot.storage._settings import SettingsMixin
from bot.storage.cache import LRUCache
from bot.storage.db import DEFAULT_TIMEOUT, create_engine, is_sqlite, write_engine
from bot.storage.invalidation import DEFAULT_CHANNEL, InvalidationBus, RedisInvalidation
from bot.storage.migrations import migrate
from bot.storage.records import AuditEntry, JobRecord, UsageSummary, UserUsage
from bot.storage.tables import meta
from bot.storage.transact import Transactor

__all__ = ["AuditEntry", "JobRecord", "Store", "UsageSummary", "UserUsage"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")

NO_REDIS_CACHE_TTL = 60.0
"""Cache lifetime for PostgreSQL without Redis: other processes' writes cannot be announced."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Store(SettingsMixin, LedgerMixin, AdmissionMixin, RetentionMixin):
    """Async storage over one engine. Never imports discord.

    Args:
        engine: From `bot.storage.db.create_engine`, already migrated.
        invalidation: Cross-process cache invalidation (Redis); started by `start()`.
        cache_size: Entries per settings cache (guilds, channels), least recently used evicted.
        cache_ttl: Seconds a cached settings object lives (None: until invalidated).
        clock: Source of "now" (aware UTC); tests pass a controllable one.
        timeout: Seconds one public store call may take on PostgreSQL (None: unbounded). Past it,
            or when the server refuses connections, the call raises `ServiceUnavailableError`.
            SQLite is bounded by its busy timeout instead (its calls run in a thread that a
            cancellation would not stop).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        invalidation: InvalidationBus | None = None,
        cache_size: int = 10_000,
        cache_ttl: float | None = None,
        clock: Clock = _utcnow,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self._engine = engine
        self._timeout = None if is_sqlite(engine) else timeout
        self._writer = write_engine(engine)
        self._ledger = Transactor(engine, timeout)
        self._insert = sqlite_insert if is_sqlite(engine) else pg_insert
        self._bus = invalidation
        self._clock = clock
        self._guilds: LRUCache[int, GuildSettings] = LRUCache(cache_size, cache_ttl)
        self._channels: LRUCache[tuple[int, int], ChannelSettings] = LRUCache(cache_size, cache_ttl)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        redis_url: str | None = None,
        redis_channel: str = DEFAULT_CHANNEL,
        connect_args: dict[str, Any] | None = None,
        cache_size: int = 10_000,
        cache_ttl: float | None = None,
        clock: Clock = _utcnow,
        db_timeout: float = DEFAULT_TIMEOUT,
        redis_timeout: float = 5.0,
    ) -> Store:
        """Create the engine, apply migrations, and start invalidation when Redis is configured.

        Args:
            url: `DATABASE_URL`.
            redis_url: `REDIS_URL`; enables cross-process settings-cache invalidation.
            redis_channel: Pub/sub channel shared by the deployment's processes.
            connect_args: Driver arguments (e.g. asyncpg `server_settings`).
            cache_size: Entries per settings cache.
            cache_ttl: Cache entry lifetime; defaults to `NO_REDIS_CACHE_TTL` for PostgreSQL
                without Redis and to no expiry otherwise.
            clock: Source of "now".
            db_timeout: Seconds one store call may take (`DATABASE_TIMEOUT`), connecting included.
            redis_timeout: Seconds connecting to Redis or publishing may take (`REDIS_TIMEOUT`).

        Returns:
            A ready store; close it with `await store.close()`.
        """
        engine = create_engine(url, connect_args=connect_args, timeout=db_timeout)
        bus: RedisInvalidation | None = None
        try:
            await migrate(engine)
            if cache_ttl is None and redis_url is None and not is_sqlite(engine):
                cache_ttl = NO_REDIS_CACHE_TTL
            bus = RedisInvalidation(redis_url, redis_channel, timeout=redis_timeout) if redis_url else None
            store = cls(
                engine,
                invalidation=bus,
                cache_size=cache_size,
                cache_ttl=cache_ttl,
                clock=clock,
                timeout=db_timeout,
            )
            await store.start()
        except BaseException:
            if bus is not None:
                await bus.close()
            await engine.dispose()
            raise
        return store

    @property
    def engine(self) -> AsyncEngine:
        """The underlying engine."""
        return self._engine

    @property
    def ledger(self) -> Transactor:
        """Runs the ledger's transactions (admission, start, settlement), each in one hop."""
        return self._ledger

    async def start(self) -> None:
        """Subscribe to invalidations (a no-op without an invalidation bus)."""
        if self._bus is not None:
            await self._bus.start(self._on_remote_key, self._on_remote_reset)

    async def close(self) -> None:
        """Stop invalidation and dispose of the engine's connections."""
        try:
            if self._bus is not None:
                await self._bus.close()
        finally:
            try:
                await self._ledger.close()
            finally:
                await self._engine.dispose()

    async def get_meta(self, key: str) -> str | None:
        """A stored meta value (e.g. the command-tree sync hash).

        Args:
            key: The key.

        Returns:
            The value, or None.
        """
        async with self._engine.connect() as conn:
            return await conn.scalar(select(meta.c.value).where(meta.c.key == key))

    async def set_meta(self, key: str, value: str) -> None:
        """Store a meta value, replacing any previous one.

        Args:
            key: The key (≤128 chars).
            value: The value.
        """
        stmt = self._insert(meta).values(key=key, value=value)
        stmt = stmt.on_conflict_do_update(index_elements=[meta.c.key], set_={"value": stmt.excluded.value})
        async with self._engine.begin() as conn:
            await conn.execute(stmt)


def _guarded(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Bound a store call by the store's timeout; outages become `ServiceUnavailableError`."""

    @functools.wraps(method)
    async def call(self: Store, *args: Any, **kwargs: Any) -> T:
        try:
            async with asyncio.timeout(self._timeout):
                return await method(self, *args, **kwargs)
        except ServiceUnavailableError:
            raise
        except OSError as exc:  # TimeoutError (ours or the driver's), refused connections
            raise ServiceUnavailableError("database") from exc
        except Exception as exc:
            if is_outage(exc):
                raise ServiceUnavailableError("database") from exc
            raise

    return call


# Every public coroutine of the store (the mixins' too, including ones added later) is bounded;
# the lifecycle calls are not (start-up fails loudly, shutdown must not be cut short).
_LIFECYCLE = frozenset({"open", "start", "close"})
for _name, _method in inspect.getmembers(Store, inspect.iscoroutinefunction):
    if not _name.startswith("_") and _name not in _LIFECYCLE:
        setattr(Store, _name, _guarded(_method))
