"""Storage: SQLAlchemy 2 async over SQLite (default) or PostgreSQL. Never imports discord.

Typical use::

    store = await Store.open(settings.database_url, redis_url=settings.redis_url)
    guild = await store.get_guild_settings(guild_id)
    ...
    await store.close()
"""

from bot.storage._settings import ConcurrentUpdateError
from bot.storage.cache import LRUCache
from bot.storage.db import create_engine
from bot.storage.invalidation import InvalidationBus, RedisInvalidation
from bot.storage.migrations import migrate
from bot.storage.records import (
    DELETED_USER_ID,
    AuditEntry,
    JobRecord,
    JobStatus,
    UsageSummary,
    UserUsage,
)
from bot.storage.store import Store

__all__ = [
    "DELETED_USER_ID",
    "AuditEntry",
    "ConcurrentUpdateError",
    "InvalidationBus",
    "JobRecord",
    "JobStatus",
    "LRUCache",
    "RedisInvalidation",
    "Store",
    "UsageSummary",
    "UserUsage",
    "create_engine",
    "migrate",
]
