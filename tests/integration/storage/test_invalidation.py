"""`RedisInvalidation` on the real Redis: delivery, malformed keys, and recovery after a drop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.storage import RedisInvalidation, Store, create_engine, migrate

pytestmark = pytest.mark.redis


@pytest.fixture
async def admin(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def store(tmp_path: Path, redis_url: str, unique_prefix: str) -> AsyncIterator[Store]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")
    await migrate(engine)
    bus = RedisInvalidation(redis_url, f"{unique_prefix}:settings", client_name=f"{unique_prefix}-inv")
    store = Store(engine, invalidation=bus)
    await store.start()
    yield store
    await store.close()


async def _next(queue: asyncio.Queue[str]) -> str:
    async with asyncio.timeout(5):
        return await queue.get()


async def test_published_keys_evict_and_bad_keys_are_ignored(
    store: Store, admin: Redis, unique_prefix: str
) -> None:
    seen: asyncio.Queue[str] = asyncio.Queue()
    store.add_invalidation_listener(seen.put_nowait)
    await store.get_guild_settings(1)
    await store.get_guild_settings(2)

    await admin.publish(f"{unique_prefix}:settings", "guild:not-a-number")
    await admin.publish(f"{unique_prefix}:settings", "weird")
    await admin.publish(f"{unique_prefix}:settings", "guild:1")

    # Malformed keys never reach listeners; the valid one (sent last) does.
    assert await _next(seen) == "guild:1"
    assert store.get_cached_guild_settings(1) is None
    assert store.get_cached_guild_settings(2) is not None


async def test_cache_is_cleared_after_the_subscription_drops(
    store: Store, admin: Redis, unique_prefix: str
) -> None:
    seen: asyncio.Queue[str] = asyncio.Queue()
    store.add_invalidation_listener(seen.put_nowait)
    await store.get_guild_settings(1)
    await store.get_channel_settings(1, 2)

    # Messages published while disconnected are lost, so a re-subscription must clear the cache.
    killed = 0
    for client in await admin.client_list():
        if client.get("name") == f"{unique_prefix}-inv":
            killed += await admin.client_kill_filter(_id=client["id"])
    assert killed >= 1

    assert await _next(seen) == "*"
    assert store.get_cached_guild_settings(1) is None
    assert store.get_cached_channel_settings(1, 2) is None

    # And the subscription works again.
    await admin.publish(f"{unique_prefix}:settings", "channel:1:2")
    await store.get_channel_settings(1, 2)
    assert await _next(seen) == "channel:1:2"
