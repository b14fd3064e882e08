"""Limits on the real Redis (127.0.0.1:6379), with the in-memory backend run beside it.

Contract tests are parametrised over both backends so they provably behave the same; each
Redis test works under its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as redis

from bot.errors import ServiceUnavailableError
from bot.limits import InMemoryLimits, Limits, RedisLimits, open_limits

pytestmark = pytest.mark.redis


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

    def make(clock: Callable[[], float] | None = None) -> RedisLimits:
        limits = RedisLimits(redis_url, unique_prefix, clock=clock)
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
        shared = InMemoryLimits(clock=clock)
        return lambda: shared
    make = request.getfixturevalue("make_redis")
    return lambda: make(clock=clock)


# --- contract, both backends ----------------------------------------------------------------


async def test_cooldown_remaining_reads_without_starting_one(
    backend: Callable[[], Limits], clock: FakeClock
) -> None:
    one, two = backend(), backend()
    assert await one.cooldown_remaining("cd:1:5") is None
    assert await one.cooldown_remaining("cd:1:5") is None  # reading started nothing
    assert await one.hit_cooldown("cd:1:5", 10) is None
    clock.now += 4
    assert await two.cooldown_remaining("cd:1:5") == pytest.approx(6, abs=0.001)
    clock.now += 6
    assert await two.cooldown_remaining("cd:1:5") is None


async def test_a_cooldown_of_a_second_or_less_still_runs(
    backend: Callable[[], Limits], clock: FakeClock
) -> None:
    limits = backend()
    assert await limits.hit_cooldown("1:2", 1) is None
    assert await limits.hit_cooldown("1:2", 1) == pytest.approx(1)
    assert await limits.hit_cooldown("1:3", 0.5) is None
    assert await limits.cooldown_remaining("1:3") == pytest.approx(0.5)
    clock.now += 1
    assert await limits.hit_cooldown("1:2", 1) is None


async def test_forget_user_drops_only_that_users_cooldowns(backend: Callable[[], Limits]) -> None:
    one, two = backend(), backend()
    for key in ("cd:1:5", "cd:2:5", "cd:dm:5", "cd:1:55", "cd:1:6"):
        assert await one.hit_cooldown(key, 60) is None
    assert await two.forget_user(5) == 3
    for key in ("cd:1:5", "cd:2:5", "cd:dm:5"):
        assert await one.cooldown_remaining(key) is None
    for key in ("cd:1:55", "cd:1:6"):
        assert await one.cooldown_remaining(key) is not None
    assert await two.forget_user(5) == 0


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


async def test_open_limits_with_redis(redis_url: str, client: redis.Redis, unique_prefix: str) -> None:
    limits = await open_limits(redis_url, prefix=unique_prefix)
    try:
        assert isinstance(limits, RedisLimits)
        await limits.hit_cooldown("1:2", 30)
        assert 0 < await client.pttl(f"{unique_prefix}:cd:1:2") <= 30_000  # under the given prefix
    finally:
        await limits.close()


async def _opened(redis_url: str) -> Limits:
    return await open_limits(redis_url)


async def _constructed(redis_url: str) -> Limits:
    return RedisLimits(redis_url)


@pytest.mark.parametrize("make", [_opened, _constructed], ids=["open_limits", "RedisLimits"])
async def test_keys_are_namespaced_under_imagebot_by_default(
    redis_url: str, client: redis.Redis, make: Callable[[str], Awaitable[Limits]]
) -> None:
    key = f"{uuid.uuid4().int % 10**12}:{uuid.uuid4().int % 10**12}"  # a member no other test uses
    limits = await make(redis_url)
    try:
        await limits.hit_cooldown(key, 30)
        assert await client.exists(f"imagebot:cd:{key}") == 1
    finally:
        await client.delete(f"imagebot:cd:{key}")
        await limits.close()


async def test_open_limits_fails_fast_when_unreachable() -> None:
    with pytest.raises(redis.ConnectionError):
        await open_limits("redis://127.0.0.1:1/0")


# --- a server that answers badly (loopback fakes, no real Redis needed) ---------------------------


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A Redis URL whose server accepts connections and never answers."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(4096):
            pass
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"redis://127.0.0.1:{port}/0"


async def test_open_limits_gives_up_on_a_silent_server_after_the_command_timeout(silent_server: str) -> None:
    async with asyncio.timeout(2):  # REDIS_TIMEOUT is 0.2 s here (the default, 5 s, would be past this)
        with pytest.raises(redis.TimeoutError):
            await open_limits(silent_server, command_timeout=0.2)


async def test_a_command_on_a_silent_server_is_unavailable_not_stuck(silent_server: str) -> None:
    limits = RedisLimits(silent_server, timeout=0.2)
    try:
        async with asyncio.timeout(2):
            with pytest.raises(ServiceUnavailableError):
                await limits.cooldown_remaining("1:2")
    finally:
        await limits.close()


@pytest.fixture
async def endless_scan_server() -> AsyncIterator[str]:
    """A Redis URL whose server answers every SCAN with "more to come" and no keys, forever."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            if not line.startswith(b"*"):
                continue
            parts = []
            for _ in range(int(line[1:])):
                await reader.readline()  # $<length>
                parts.append((await reader.readline()).rstrip(b"\r\n"))
            writer.write(b"*2\r\n$1\r\n7\r\n*0\r\n" if parts[0].upper() == b"SCAN" else b"+OK\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"redis://127.0.0.1:{port}/0"


async def test_forgetting_a_user_stops_at_the_timeout_on_a_scan_that_never_ends(
    endless_scan_server: str,
) -> None:
    limits = RedisLimits(endless_scan_server, timeout=0.2)
    try:
        async with asyncio.timeout(5):  # the bound under test is 0.2 s; a loop for good fails here
            with pytest.raises(ServiceUnavailableError):
                await limits.forget_user(42)
    finally:
        await limits.close()
