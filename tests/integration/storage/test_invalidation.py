"""`RedisInvalidation` on the real Redis: delivery, malformed keys, and recovery after a drop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.storage import RedisInvalidation, Store, create_engine, migrate
from tests.integration.storage.observed_bus import RESET, ObservedBus

pytestmark = pytest.mark.redis


@pytest.fixture
async def admin(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def bus(redis_url: str, unique_prefix: str) -> ObservedBus:
    return ObservedBus(
        RedisInvalidation(redis_url, f"{unique_prefix}:settings", client_name=f"{unique_prefix}-inv")
    )


@pytest.fixture
async def store(tmp_path: Path, bus: ObservedBus) -> AsyncIterator[Store]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")
    await migrate(engine)
    store = Store(engine, invalidation=bus)
    await store.start()
    assert await bus.next_applied() == RESET  # the first subscription starts from an empty cache
    yield store
    await store.close()


async def test_published_keys_evict_and_bad_keys_are_ignored(
    store: Store, bus: ObservedBus, admin: Redis, unique_prefix: str
) -> None:
    await store.get_guild_settings(1)
    await store.get_guild_settings(2)

    await admin.publish(f"{unique_prefix}:settings", "guild:not-a-number")
    await admin.publish(f"{unique_prefix}:settings", "weird")
    assert [await bus.next_applied(), await bus.next_applied()] == ["guild:not-a-number", "weird"]
    # Ignored: nothing evicted, and the listener goes on.
    assert store.get_cached_guild_settings(1) is not None
    assert store.get_cached_guild_settings(2) is not None

    await admin.publish(f"{unique_prefix}:settings", "guild:1")
    assert await bus.next_applied() == "guild:1"
    assert store.get_cached_guild_settings(1) is None
    assert store.get_cached_guild_settings(2) is not None


async def test_cache_is_cleared_after_the_subscription_drops(
    store: Store, bus: ObservedBus, admin: Redis, unique_prefix: str
) -> None:
    await store.get_guild_settings(1)
    await store.get_channel_settings(1, 2)

    # Messages published while disconnected are lost, so a re-subscription must clear the cache.
    killed = 0
    for client in await admin.client_list():
        if client.get("name") == f"{unique_prefix}-inv":
            killed += await admin.client_kill_filter(_id=client["id"])
    assert killed >= 1

    assert await bus.next_applied() == RESET
    assert store.get_cached_guild_settings(1) is None
    assert store.get_cached_channel_settings(1, 2) is None

    # And the subscription works again.
    await admin.publish(f"{unique_prefix}:settings", "channel:1:2")
    await store.get_channel_settings(1, 2)
    assert await bus.next_applied() == "channel:1:2"
