"""PostgreSQL and Redis outages (issue 10, item 4): a short answer, nothing consumed, recovery.

Every outage is made on PRIVATE servers these tests start (`tests.private_services`): a
PostgreSQL cluster from `initdb` and a `redis-server`, each on its own free port. The machine's
shared services are never stopped or frozen.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import pytest

from bot.errors import UNAVAILABLE_MESSAGE
from bot.limits import RedisLimits
from tests.bot.checks import ephemeral_answer, final_result
from tests.bot.conftest import BotEnv
from tests.bot.harness import InteractionRecord
from tests.fakes.ai_gateway import FakeAIGateway, ImagesReply, make_png
from tests.private_services import PrivatePostgres, PrivateRedis, running_postgres

TIMEOUT = 1.5  # DATABASE_TIMEOUT / REDIS_TIMEOUT for these bots
# An outage answer needs at most a few bounded calls (record the job, record its failure);
# the slack covers a loaded machine. Without timeouts a frozen server held members for 45 s+.
ANSWER_WITHIN = 4 * TIMEOUT + 8


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this module's own, on a free port."""
    with running_postgres() as server:
        yield server


@pytest.fixture
async def pg_url(private_postgres: PrivatePostgres) -> str:
    """A fresh database on the private cluster (running when the test starts)."""
    if not (private_postgres.data / "postmaster.pid").exists():
        private_postgres.start()  # an earlier test stopped it and failed before restarting
    name = f"imagebot_{uuid.uuid4().hex[:10]}"
    dsn = private_postgres.url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return private_postgres.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own (no persistence), on a free port."""
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.close()


async def limit_guild(env: BotEnv) -> None:
    """A one-minute cooldown and one image a day: anything consumed would refuse the next try."""
    world = env.h.fake.world
    store = env.bot.store
    await store.update_guild_settings(world.guild.id, world.moderator.id, cooldown_seconds=600, daily_quota=1)
    # Re-read into the cache: during the outage requests are planned from memory and reach
    # admission (cooldown, quota, pending slot), where something could be consumed.
    await store.get_guild_settings(world.guild.id)
    cached = env.bot.generation.cached_settings(world.guild.id, world.general.id)
    assert cached is not None
    assert cached[0].daily_quota == 1


async def imagine(env: BotEnv, prompt: str) -> InteractionRecord:
    return await env.h.interact(env.h.payloads.slash("imagine", options={"prompt": prompt}))


async def assert_unavailable(rec: InteractionRecord) -> float:
    """The member was told, ephemerally, to retry shortly; returns seconds from dispatch."""
    answer = await ephemeral_answer(rec, timeout=ANSWER_WITHIN + 5)
    content = answer.data.get("content", "")
    assert UNAVAILABLE_MESSAGE in content, content
    assert answer.data.get("flags", 0) & 64 or rec.state.callback is not None
    message = await rec.wait_message(lambda m: UNAVAILABLE_MESSAGE in m.content)
    assert message.ephemeral
    elapsed = answer.timestamp - rec.state.dispatched_at
    assert elapsed < ANSWER_WITHIN, f"answered after {elapsed:.1f}s"
    return elapsed


async def assert_served(env: BotEnv, prompt: str, image: bytes) -> None:
    env.ai.push("images", ImagesReply([image]))
    rec = await imagine(env, prompt)
    edit = await final_result(rec, timeout=20)
    assert [f.data for f in edit.files] == [image]


def generations(ai: FakeAIGateway) -> int:
    return sum(1 for r in ai.requests if r.path.endswith("/images/generations"))


async def assert_limits_work_again(env: BotEnv) -> None:
    """The quota and cooldown taken by the successful job now refuse the next request."""
    rec = await imagine(env, "one too many")
    answer = await rec.wait_message(lambda m: not m.loading, timeout=10)
    assert "Slow down" in answer.content or "used your 1 images" in answer.content
    assert answer.ephemeral


async def test_postgres_down_answers_consumes_nothing_and_recovers(
    start_bot: Callable[..., Awaitable[BotEnv]], private_postgres: PrivatePostgres, pg_url: str
) -> None:
    env = await start_bot(database_url=pg_url, database_timeout=TIMEOUT)
    await limit_guild(env)
    private_postgres.stop()
    try:
        # More attempts than the pending cap (3): none may leave a slot, quota or cooldown behind.
        for attempt in range(4):
            await assert_unavailable(await imagine(env, f"while the database is down {attempt}"))
    finally:
        private_postgres.start()
    assert generations(env.ai) == 0  # nothing was sent to (or billed by) the gateway
    await assert_served(env, "after the database came back", make_png(3_000, seed=41))
    await assert_limits_work_again(env)


async def test_frozen_postgres_answers_within_the_timeout_and_recovers(
    start_bot: Callable[..., Awaitable[BotEnv]], private_postgres: PrivatePostgres, pg_url: str
) -> None:
    env = await start_bot(database_url=pg_url, database_timeout=TIMEOUT)
    await limit_guild(env)
    private_postgres.freeze()
    try:
        for attempt in range(2):
            await assert_unavailable(await imagine(env, f"while the database is frozen {attempt}"))
    finally:
        private_postgres.thaw()
    assert generations(env.ai) == 0
    await assert_served(env, "after the database woke up", make_png(3_000, seed=42))
    await assert_limits_work_again(env)


async def test_postgres_lost_after_the_gateway_answered_still_posts_the_images(
    start_bot: Callable[..., Awaitable[BotEnv]], private_postgres: PrivatePostgres, pg_url: str
) -> None:
    env = await start_bot(database_url=pg_url, database_timeout=TIMEOUT)
    image = make_png(5_000, seed=43)
    env.ai.push("images", ImagesReply([image], delay=0.5))
    rec = await imagine(env, "billed, then the database went away")
    await env.ai_request("/images/generations")
    private_postgres.stop()
    try:
        edit = await final_result(rec, timeout=20)
        assert [f.data for f in edit.files] == [image]
        assert not [r for r in rec.requests if "error id" in str((r.json or {}).get("content", ""))]
    finally:
        private_postgres.start()


async def test_redis_down_answers_consumes_nothing_and_recovers(
    start_bot: Callable[..., Awaitable[BotEnv]], private_redis: PrivateRedis
) -> None:
    env = await start_bot(redis_url=private_redis.url, redis_timeout=TIMEOUT)
    assert isinstance(env.bot.generation.limits, RedisLimits)
    await limit_guild(env)
    private_redis.stop()
    try:
        for attempt in range(4):
            await assert_unavailable(await imagine(env, f"while Redis is down {attempt}"))
    finally:
        private_redis.start()
    assert generations(env.ai) == 0
    await assert_served(env, "after Redis came back", make_png(3_000, seed=44))
    await assert_limits_work_again(env)


async def test_frozen_redis_answers_within_the_timeout_and_leaves_no_cooldown(
    start_bot: Callable[..., Awaitable[BotEnv]], private_redis: PrivateRedis
) -> None:
    env = await start_bot(redis_url=private_redis.url, redis_timeout=TIMEOUT)
    await limit_guild(env)
    private_redis.freeze()
    try:
        started = time.monotonic()
        await assert_unavailable(await imagine(env, "while Redis is frozen"))
        assert time.monotonic() - started < ANSWER_WITHIN + 5
    finally:
        # The timed-out cooldown command still runs once Redis wakes up: the bot undoes it.
        private_redis.thaw()
    assert generations(env.ai) == 0
    await assert_served(env, "after Redis woke up", make_png(3_000, seed=45))
    await assert_limits_work_again(env)


async def test_redis_lost_after_the_gateway_answered_still_posts_the_images(
    start_bot: Callable[..., Awaitable[BotEnv]], private_redis: PrivateRedis
) -> None:
    env = await start_bot(redis_url=private_redis.url, redis_timeout=TIMEOUT)
    image = make_png(5_000, seed=46)
    env.ai.push("images", ImagesReply([image], delay=0.5))
    rec = await imagine(env, "billed, then Redis went away")
    await env.ai_request("/images/generations")
    private_redis.stop()
    try:
        edit = await final_result(rec, timeout=20)
        assert [f.data for f in edit.files] == [image]
    finally:
        private_redis.start()
    async with asyncio.timeout(10):
        await env.bot.wait_idle()  # the job is settled once its result is posted
    [job] = await env.bot.store.recent_jobs(env.h.fake.world.guild.id, limit=1)
    assert job.status == "done"  # the database half of the bookkeeping was not disturbed
