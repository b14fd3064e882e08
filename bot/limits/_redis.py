"""`RedisLimits`: the backend shared by every bot process.

Each operation is one Lua script, so check-and-update is atomic on the server no matter how
many processes call it. Times are milliseconds from Redis' own clock (`TIME`) so processes with
skewed clocks agree; tests may pass a clock instead, which makes expiry deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import redis.asyncio as redis

# Shared by the scripts: ARGV `now` in ms when a clock is injected, else the server's clock.
_NOW = """
local function now_ms(arg)
  local n = tonumber(arg)
  if n then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

# KEYS[1]=cooldown; ARGV: duration ms, now. The value is the expiry instant; PX only cleans up.
_COOLDOWN = (
    _NOW
    + """
local now = now_ms(ARGV[2])
local expires = tonumber(redis.call('GET', KEYS[1]))
if expires and expires > now then return expires - now end
local duration = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', now + duration), 'PX', duration)
return -1
"""
)


class RedisLimits:
    """Redis implementation of `bot.limits.Limits`, atomic across processes.

    Args:
        redis_url: ``redis://`` or ``rediss://`` URL.
        prefix: Namespace for every key this object touches.
        clock: Seconds used instead of the Redis server clock for cooldowns. For tests;
            production processes should share the server's clock.
    """

    def __init__(
        self, redis_url: str, prefix: str = "imagebot", *, clock: Callable[[], float] | None = None
    ) -> None:
        self._redis: redis.Redis = redis.from_url(redis_url, decode_responses=True)
        self._prefix = prefix
        self._clock = clock
        self._cooldown = self._redis.register_script(_COOLDOWN)

    def _key(self, kind: str, key: str) -> str:
        return f"{self._prefix}:{kind}:{key}"

    def _now_arg(self) -> str:
        return "" if self._clock is None else str(math.floor(self._clock() * 1000))

    async def ping(self) -> None:
        """Check the connection.

        Raises:
            redis.RedisError: When the server is unreachable.
        """
        await self._redis.ping()

    async def hit_cooldown(self, key: str, seconds: float) -> float | None:
        """See `Limits.hit_cooldown`."""
        if seconds <= 0:
            return None
        duration_ms = max(math.ceil(seconds * 1000), 1)
        remaining_ms = int(
            await self._cooldown(keys=[self._key("cd", key)], args=[duration_ms, self._now_arg()])
        )
        return None if remaining_ms < 0 else remaining_ms / 1000

    async def clear_cooldown(self, key: str) -> None:
        """See `Limits.clear_cooldown`."""
        await self._redis.delete(self._key("cd", key))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()
