"""The bot wired to the real Redis (`REDIS_URL`): limits live there, shared by every process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import redis.asyncio as redis

from bot.limits import RedisLimits
from tests.bot.conftest import BotEnv
from tests.fakes.ai_gateway import FakeAIGateway


async def test_cooldown_is_kept_in_redis_and_refuses_the_second_request(
    start_bot: Callable[..., Awaitable[BotEnv]], ai_gateway: FakeAIGateway, redis_url: str
) -> None:
    env = await start_bot(redis_url=redis_url)
    assert isinstance(env.bot.generation.limits, RedisLimits)
    h = env.h
    world = h.fake.world
    await env.bot.store.update_guild_settings(world.guild.id, world.moderator.id, cooldown_seconds=600)
    first = await h.interact(h.payloads.slash("imagine", options={"prompt": "one"}))
    await first.wait_for(lambda r: bool(r.files) and r.ok, timeout=10)
    second = await h.interact(h.payloads.slash("imagine", options={"prompt": "two"}))
    refusal = await second.wait_message(lambda m: not m.loading and "Slow down" in m.content)
    assert refusal.ephemeral
    client = redis.from_url(redis_url)
    try:
        # The key the README's privacy section names: <prefix>:cd:<server>:<user id>.
        keys = [k async for k in client.scan_iter(f"imagebot:cd:{world.guild.id}:{world.alice.id}")]
        assert len(keys) == 1  # the cooldown lives in Redis, where other processes see it
        assert 0 < await client.pttl(keys[0]) <= 600_000
        await client.delete(*keys)
    finally:
        await client.aclose()
    generations = [r for r in ai_gateway.requests if r.path.endswith("/images/generations")]
    assert len(generations) == 1
