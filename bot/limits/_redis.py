"""`RedisLimits`: the backend shared by every bot process.

Each operation is one Lua script, so check-and-update is atomic on the server no matter how
many processes call it. Times are milliseconds from Redis' own clock (`TIME`) so processes with
skewed clocks agree; tests may pass a clock instead, which makes expiry deterministic.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import redis.asyncio as redis

from bot.limits._base import QuotaResult, check_quota_args, day_window, utc_now

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

# KEYS[1]=day counter; ARGV: limit, amount, ttl s. Refuses without consuming.
_TAKE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used + tonumber(ARGV[2]) > tonumber(ARGV[1]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, used}
"""

# KEYS[1]=day counter; ARGV: amount. Never below zero; DECRBY keeps the TTL.
_REFUND = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0') - tonumber(ARGV[1])
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('DECRBY', KEYS[1], ARGV[1])
return left
"""

# KEYS[1]=zset of slot tokens scored by expiry; ARGV: limit, token, ttl ms, now.
# Expired tokens (a crashed process's slots) are dropped before counting.
_ACQUIRE = (
    _NOW
    + """
local now = now_ms(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], string.format('%d', now + ttl), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""
)

# A day's counter outlives its day by this much so a job started before midnight can refund.
_QUOTA_GRACE_S = 86_400


class RedisLimits:
    """Redis implementation of `bot.limits.Limits`, atomic across processes.

    Args:
        redis_url: ``redis://`` or ``rediss://`` URL.
        prefix: Namespace for every key this object touches.
        pending_ttl: Seconds a pending slot survives without release (a crashed process's
            slots free themselves after this). Keep it above the longest job.
        clock: Seconds used instead of the Redis server clock for cooldowns and pending
            slots. For tests; production processes should share the server's clock.
        utcnow: Aware current time for quota windows when callers pass no `now`.
    """

    def __init__(
        self,
        redis_url: str,
        prefix: str = "imagebot",
        *,
        pending_ttl: float = 1200.0,
        clock: Callable[[], float] | None = None,
        utcnow: Callable[[], datetime] = utc_now,
    ) -> None:
        self._redis: redis.Redis = redis.from_url(redis_url, decode_responses=True)
        self._prefix = prefix
        self._pending_ttl_ms = max(math.ceil(pending_ttl * 1000), 1)
        self._clock = clock
        self._utcnow = utcnow
        self._cooldown = self._redis.register_script(_COOLDOWN)
        self._take = self._redis.register_script(_TAKE)
        self._refund = self._redis.register_script(_REFUND)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._instance = uuid.uuid4().hex[:12]
        self._tokens = itertools.count()
        self._held: defaultdict[str, list[str]] = defaultdict(list)

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

    def _quota_key(self, key: str, now: datetime | None) -> tuple[str, datetime, datetime]:
        when = now or self._utcnow()
        day, resets_at = day_window(when)
        return self._key("q", f"{key}:{day.isoformat()}"), when, resets_at

    async def take_quota(
        self, key: str, limit: int, amount: int = 1, *, now: datetime | None = None
    ) -> QuotaResult:
        """See `Limits.take_quota`."""
        check_quota_args(limit, amount)
        redis_key, when, resets_at = self._quota_key(key, now)
        # Relative TTL, not EXPIREAT: an injected `now` in the past must not expire the key at once.
        ttl = math.ceil((resets_at - when).total_seconds()) + _QUOTA_GRACE_S
        allowed, used = await self._take(keys=[redis_key], args=[limit, amount, ttl])
        used = int(used)
        return QuotaResult(bool(allowed), used, max(limit - used, 0), resets_at)

    async def peek_quota(self, key: str, limit: int, *, now: datetime | None = None) -> QuotaResult:
        """See `Limits.peek_quota`."""
        redis_key, _, resets_at = self._quota_key(key, now)
        used = int(await self._redis.get(redis_key) or 0)
        return QuotaResult(used < limit, used, max(limit - used, 0), resets_at)

    async def refund_quota(self, key: str, amount: int = 1, *, now: datetime | None = None) -> int:
        """See `Limits.refund_quota`."""
        check_quota_args(0, amount)
        redis_key, _, _ = self._quota_key(key, now)
        return int(await self._refund(keys=[redis_key], args=[amount]))

    async def acquire_pending(self, key: str, limit: int) -> bool:
        """See `Limits.acquire_pending`."""
        token = f"{self._instance}:{next(self._tokens)}"
        ok = await self._acquire(
            keys=[self._key("p", key)], args=[limit, token, self._pending_ttl_ms, self._now_arg()]
        )
        if ok:
            self._held[key].append(token)
        return bool(ok)

    async def release_pending(self, key: str) -> None:
        """See `Limits.release_pending`.

        Removes a slot this object acquired; if it holds none for `key` (another process took
        it), removes the slot closest to expiry so the count still goes down.
        """
        held = self._held.get(key)
        if held:
            token = held.pop(0)
            if not held:
                del self._held[key]
            await self._redis.zrem(self._key("p", key), token)
        else:
            await self._redis.zpopmin(self._key("p", key))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()
