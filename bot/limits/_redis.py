"""`RedisLimits`: the backend shared by every bot process.

Each operation is one Lua script, so check-and-update is atomic on the server no matter how
many processes call it. Times are milliseconds from Redis' own clock (`TIME`) so processes with
skewed clocks agree; tests may pass a clock instead, which makes expiry deterministic.
"""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.errors import ServiceUnavailableError

T = TypeVar("T")
P = ParamSpec("P")
DEFAULT_TIMEOUT = 5.0
"""Seconds one Redis command may take by default (`REDIS_TIMEOUT`)."""

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


def _guarded(
    method: Callable[Concatenate[RedisLimits, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[RedisLimits, P], Coroutine[Any, Any, T]]:
    """Bound a command by the client's timeout; connection errors become `ServiceUnavailableError`.

    redis-py reconnects by itself on the next command, so nothing else is needed to recover.
    """

    @functools.wraps(method)
    async def call(self: RedisLimits, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            async with asyncio.timeout(self._timeout):
                return await method(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:  # OSError: TimeoutError too
            raise ServiceUnavailableError("redis") from exc

    return call  # type: ignore[return-value]  # typeshed's `wraps` result does not keep Concatenate


# KEYS[1]=cooldown; ARGV: now. Milliseconds left (0 when none is running); read-only.
_REMAINING = (
    _NOW
    + """
local expires = tonumber(redis.call('GET', KEYS[1]))
if not expires then return 0 end
local left = expires - now_ms(ARGV[1])
if left < 0 then return 0 end
return left
"""
)


class RedisLimits:
    """Redis implementation of `bot.limits.Limits`, atomic across processes.

    Args:
        redis_url: ``redis://`` or ``rediss://`` URL.
        prefix: Namespace for every key this object touches.
        clock: Seconds used instead of the Redis server clock for cooldowns. For tests;
            production processes should share the server's clock.
        timeout: Seconds one command may take, connecting included (`REDIS_TIMEOUT`). Past it,
            or with Redis down, commands raise `ServiceUnavailableError`.

    A command that timed out against a frozen server may still run once the server wakes up: a
    cooldown started that way is removed by the next `hit_cooldown` for the same key.
    """

    def __init__(
        self,
        redis_url: str,
        prefix: str = "imagebot",
        *,
        clock: Callable[[], float] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._timeout = timeout
        # The socket timeout bounds connecting too (redis-py uses it when no connect timeout is
        # given) and `ping`, which `_guarded` does not wrap. Replies are integers: no decoding.
        self._redis: redis.Redis = redis.from_url(redis_url, socket_timeout=timeout)
        # Cooldowns whose command failed without an answer: it may still run on the server.
        self._orphan_cooldowns: set[str] = set()
        self._prefix = prefix
        self._clock = clock
        self._cooldown = self._redis.register_script(_COOLDOWN)
        self._remaining = self._redis.register_script(_REMAINING)

    def _key(self, kind: str, key: str) -> str:
        return f"{self._prefix}:{kind}:{key}"

    def _now_args(self) -> list[str]:
        # No argument: the scripts read the server's clock (`now_ms`).
        return [] if self._clock is None else [str(math.floor(self._clock() * 1000))]

    async def ping(self) -> None:
        """Check the connection.

        Raises:
            redis.RedisError: When the server is unreachable.
        """
        await self._redis.ping()

    @_guarded
    async def hit_cooldown(self, key: str, seconds: float) -> float | None:
        """See `Limits.hit_cooldown`."""
        if seconds <= 0:
            return None
        duration_ms = max(math.ceil(seconds * 1000), 1)
        redis_key = self._key("cd", key)
        if redis_key in self._orphan_cooldowns:
            # A cooldown an earlier, failed request may have started: it must not count.
            await self._redis.delete(redis_key)
            self._orphan_cooldowns.discard(redis_key)
        try:
            remaining_ms = int(await self._cooldown(keys=[redis_key], args=[duration_ms, *self._now_args()]))
        except BaseException:
            self._orphan_cooldowns.add(redis_key)
            raise
        return None if remaining_ms < 0 else remaining_ms / 1000

    @_guarded
    async def clear_cooldown(self, key: str) -> None:
        """See `Limits.clear_cooldown`."""
        await self._redis.delete(self._key("cd", key))

    @_guarded
    async def cooldown_remaining(self, key: str) -> float | None:
        """See `Limits.cooldown_remaining`."""
        remaining_ms = int(await self._remaining(keys=[self._key("cd", key)], args=self._now_args()))
        return None if remaining_ms <= 0 else remaining_ms / 1000

    @_guarded
    async def forget_user(self, user_id: int) -> int:
        """See `Limits.forget_user` (SCAN: bounded work per call, no blocking KEYS).

        The SCAN loop checks the command timeout itself between pages: `_guarded` cancels the
        call once at the deadline, and a cancellation that lands inside redis-py's reply
        handling can be absorbed there, which left a server that keeps saying "more to come"
        looping for good.
        """
        pattern = self._key("cd", f"*:{user_id}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        keys: list[bytes | str] = []
        cursor = 0
        while True:
            cursor, page = await self._redis.scan(cursor=cursor, match=pattern, count=500)
            keys.extend(page)
            if cursor == 0:
                break
            if loop.time() >= deadline:
                raise RedisTimeoutError(f"SCAN for {pattern} did not finish within {self._timeout} s")
        return int(await self._redis.delete(*keys)) if keys else 0

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()
