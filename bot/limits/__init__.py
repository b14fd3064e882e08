"""Cooldowns and the fair job queue.

`Limits` is one protocol with two backends: `InMemoryLimits` for a single process and
`RedisLimits` when several processes (shards) must share cooldowns. `JobQueue` bounds
concurrent generations inside one process. Quotas, budgets and pending caps live in the
database (`bot.storage._admission`). Never imports discord.
"""

from __future__ import annotations

from bot.limits._base import Limits, cooldown_key
from bot.limits._memory import InMemoryLimits
from bot.limits._queue import JobQueue, PositionCallback
from bot.limits._redis import DEFAULT_TIMEOUT as DEFAULT_REDIS_TIMEOUT
from bot.limits._redis import RedisLimits

__all__ = [
    "InMemoryLimits",
    "JobQueue",
    "Limits",
    "PositionCallback",
    "RedisLimits",
    "cooldown_key",
    "open_limits",
]


async def open_limits(
    redis_url: str | None, *, prefix: str = "imagebot", command_timeout: float = DEFAULT_REDIS_TIMEOUT
) -> Limits:
    """Build the limits backend the settings ask for.

    Args:
        redis_url: ``REDIS_URL``; ``None`` or empty keeps everything in this process.
        prefix: Redis key namespace.
        command_timeout: Seconds one Redis command may take (`REDIS_TIMEOUT`).

    Returns:
        A ready backend; call `close()` on shutdown.

    Raises:
        redis.RedisError: When Redis is configured but unreachable (fail at start-up, not on
            the first command).
    """
    if not redis_url:
        return InMemoryLimits()
    limits = RedisLimits(redis_url, prefix, timeout=command_timeout)
    try:
        await limits.ping()
    except BaseException:
        await limits.close()
        raise
    return limits
