"""Limits on the real Redis (127.0.0.1:6379), with the in-memory backend run beside it.

Contract tests are parametrised over both backends so they provably behave the same; each
Redis test works under its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as redis

from bot.limits import InMemoryLimits, Limits, QuotaResult, RedisLimits, open_limits

pytestmark = pytest.mark.redis

DAY = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2030, 5, 2, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def client(redis_url: str, unique_prefix: str) -> AsyncIterator[redis.Redis]:
    """A raw client for inspection; removes every key under the test's prefix afterwards."""
    raw = redis.from_url(redis_url, decode_responses=True)
    yield raw
    keys = [k async for k in raw.scan_iter(f"{unique_prefix}:*")]
    if keys:
        await raw.delete(*keys)
    await raw.aclose()


@pytest.fixture
async def make_redis(
    client: redis.Redis, redis_url: str, unique_prefix: str
) -> AsyncIterator[Callable[..., RedisLimits]]:
    """Build RedisLimits objects ("processes") sharing the test's prefix; closes them after."""
    made: list[RedisLimits] = []

    def make(clock: Callable[[], float] | None = None, pending_ttl: float = 1200.0) -> RedisLimits:
        limits = RedisLimits(
            redis_url, unique_prefix, pending_ttl=pending_ttl, clock=clock, utcnow=lambda: DAY
        )
        made.append(limits)
        return limits

    yield make
    for limits in made:
        await limits.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, clock: FakeClock) -> Callable[[], Limits]:
    """A factory of backends sharing state like processes would (one state in memory)."""
    if request.param == "memory":
        shared = InMemoryLimits(clock=clock, utcnow=lambda: DAY)
        return lambda: shared
    make = request.getfixturevalue("make_redis")
    return lambda: make(clock=clock)


# --- contract, both backends ----------------------------------------------------------------


async def test_cooldown_deterministic_with_injected_clock(
    backend: Callable[[], Limits], clock: FakeClock
) -> None:
    limits = backend()
    assert await limits.hit_cooldown("u", 10) is None
    clock.now += 3
    assert await limits.hit_cooldown("u", 10) == pytest.approx(7, abs=0.001)
    assert await limits.hit_cooldown("other", 10) is None
    clock.now += 7
    assert await limits.hit_cooldown("u", 10) is None
    await limits.clear_cooldown("u")
    assert await limits.hit_cooldown("u", 10) is None
    assert await limits.hit_cooldown("u", 0) is None


async def test_quota_refund_and_rollover(backend: Callable[[], Limits]) -> None:
    limits = backend()
    assert await limits.take_quota("q", 5, 3) == QuotaResult(True, 3, 2, MIDNIGHT)
    assert await limits.take_quota("q", 5, 3) == QuotaResult(False, 3, 2, MIDNIGHT)
    assert await limits.take_quota("q", 5, 2) == QuotaResult(True, 5, 0, MIDNIGHT)
    assert await limits.refund_quota("q", 2) == 3
    assert await limits.refund_quota("q", 9) == 0
    assert await limits.peek_quota("q", 5) == QuotaResult(True, 0, 5, MIDNIGHT)
    late = datetime(2030, 5, 1, 23, 59, 59, tzinfo=UTC)
    assert (await limits.take_quota("q", 2, 2, now=late)).allowed
    assert not (await limits.take_quota("q", 2, now=late)).allowed
    tomorrow = await limits.take_quota("q", 2, now=MIDNIGHT)
    assert tomorrow == QuotaResult(True, 1, 1, MIDNIGHT + timedelta(days=1))
    assert await limits.refund_quota("q", 1, now=late) == 1
    assert (await limits.peek_quota("q", 2, now=MIDNIGHT)).used == 1


async def test_concurrent_takes_across_processes_never_exceed_limit(
    backend: Callable[[], Limits],
) -> None:
    processes = [backend() for _ in range(5)]
    results = await asyncio.gather(*(processes[i % 5].take_quota("q", 17, now=DAY) for i in range(50)))
    assert sum(r.allowed for r in results) == 17
    assert all(r.used <= 17 for r in results)
    assert (await processes[0].peek_quota("q", 17, now=DAY)).used == 17


async def test_concurrent_pending_across_processes(backend: Callable[[], Limits]) -> None:
    processes = [backend() for _ in range(5)]
    got = await asyncio.gather(*(processes[i % 5].acquire_pending("p", 7) for i in range(50)))
    assert sum(got) == 7
    holder = got.index(True) % 5
    await processes[holder].release_pending("p")
    assert await processes[(holder + 1) % 5].acquire_pending("p", 7)
    assert not await processes[holder].acquire_pending("p", 7)


# --- Redis specifics ----------------------------------------------------------------------


async def test_cooldown_server_clock_sets_ttl_for_cleanup(
    make_redis: Callable[..., RedisLimits], client: redis.Redis, unique_prefix: str
) -> None:
    limits = make_redis()
    assert await limits.hit_cooldown("u", 10) is None
    remaining = await limits.hit_cooldown("u", 10)
    assert remaining is not None
    assert 0 < remaining <= 10
    ttl = await client.pttl(f"{unique_prefix}:cd:u")
    assert 0 < ttl <= 10_000


async def test_cooldown_expires_on_the_server(
    make_redis: Callable[..., RedisLimits], client: redis.Redis, unique_prefix: str
) -> None:
    limits = make_redis()
    assert await limits.hit_cooldown("u", 0.05) is None
    assert await limits.hit_cooldown("u", 0.05) is not None
    # Redis expires keys on its own clock and offers no event to await short of enabling
    # keyspace notifications on a shared server, so poll the key under a deadline.
    async with asyncio.timeout(2):
        while await client.exists(f"{unique_prefix}:cd:u"):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert await limits.hit_cooldown("u", 0.05) is None


async def test_quota_key_expires_after_its_day_even_for_past_dates(
    make_redis: Callable[..., RedisLimits], client: redis.Redis, unique_prefix: str
) -> None:
    limits = make_redis()
    past = datetime(2020, 1, 1, 18, 0, tzinfo=UTC)
    assert (await limits.take_quota("q", 3, now=past)).allowed
    ttl = await client.ttl(f"{unique_prefix}:q:q:2020-01-01")
    # 6 h left in the day plus a day of grace for late refunds.
    assert 6 * 3600 + 86_400 - 5 <= ttl <= 6 * 3600 + 86_400
    assert (await limits.peek_quota("q", 3, now=past)).used == 1


async def test_crashed_process_pending_slot_expires(
    make_redis: Callable[..., RedisLimits], clock: FakeClock
) -> None:
    crashed = make_redis(clock=clock, pending_ttl=60)
    alive = make_redis(clock=clock, pending_ttl=60)
    assert await crashed.acquire_pending("p", 1)
    assert not await alive.acquire_pending("p", 1)
    clock.now += 59
    assert not await alive.acquire_pending("p", 1)
    clock.now += 2
    assert await alive.acquire_pending("p", 1)


async def test_release_removes_own_slot_not_anothers(
    make_redis: Callable[..., RedisLimits], clock: FakeClock, client: redis.Redis, unique_prefix: str
) -> None:
    a = make_redis(clock=clock, pending_ttl=60)
    b = make_redis(clock=clock, pending_ttl=60)
    assert await a.acquire_pending("p", 2)
    clock.now += 30
    assert await b.acquire_pending("p", 2)
    await b.release_pending("p")
    members = await client.zrange(f"{unique_prefix}:p:p", 0, -1)
    assert len(members) == 1
    # a's slot (expiring first) is the one left: b released its own.
    clock.now += 31
    assert await b.acquire_pending("p", 1)


async def test_release_without_local_slot_still_frees_one(
    make_redis: Callable[..., RedisLimits], client: redis.Redis, unique_prefix: str
) -> None:
    a = make_redis()
    b = make_redis()
    assert await a.acquire_pending("p", 1)
    await b.release_pending("p")  # e.g. the job finished on another process
    assert await client.zcard(f"{unique_prefix}:p:p") == 0
    assert await b.acquire_pending("p", 1)


async def test_open_limits_with_redis(redis_url: str, client: redis.Redis) -> None:
    limits = await open_limits(redis_url)
    try:
        assert isinstance(limits, RedisLimits)
    finally:
        await limits.close()


async def test_open_limits_fails_fast_when_unreachable() -> None:
    with pytest.raises(redis.ConnectionError):
        await open_limits("redis://127.0.0.1:1/0")
