"""`InMemoryLimits`: the single-process backend.

Every method finishes without awaiting, so each one is atomic with respect to other tasks on
the same event loop. State lives only in this process: use `RedisLimits` with several.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime

from bot.limits._base import QuotaResult, check_quota_args, day_window, utc_now

# Expired cooldowns and past days are swept once the tables grow past this many entries.
_SWEEP_AT = 1024


class InMemoryLimits:
    """In-process implementation of `bot.limits.Limits`.

    Args:
        clock: Monotonic seconds for cooldowns (injectable in tests).
        utcnow: Aware current time for quota windows when callers pass no `now`.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = utc_now,
    ) -> None:
        self._clock = clock
        self._utcnow = utcnow
        self._cooldowns: dict[str, float] = {}
        self._quotas: dict[tuple[str, date], int] = {}
        self._pending: dict[str, int] = {}

    async def hit_cooldown(self, key: str, seconds: float) -> float | None:
        """See `Limits.hit_cooldown`."""
        if seconds <= 0:
            return None
        now = self._clock()
        expires = self._cooldowns.get(key)
        if expires is not None and expires > now:
            return expires - now
        if len(self._cooldowns) >= _SWEEP_AT:
            self._cooldowns = {k: v for k, v in self._cooldowns.items() if v > now}
        self._cooldowns[key] = now + seconds
        return None

    async def clear_cooldown(self, key: str) -> None:
        """See `Limits.clear_cooldown`."""
        self._cooldowns.pop(key, None)

    async def take_quota(
        self, key: str, limit: int, amount: int = 1, *, now: datetime | None = None
    ) -> QuotaResult:
        """See `Limits.take_quota`."""
        check_quota_args(limit, amount)
        day, resets_at = day_window(now or self._utcnow())
        used = self._quotas.get((key, day), 0)
        if used + amount > limit:
            return QuotaResult(False, used, max(limit - used, 0), resets_at)
        if len(self._quotas) >= _SWEEP_AT:
            # Keep yesterday too: a job that started before midnight may still refund it.
            self._quotas = {k: v for k, v in self._quotas.items() if (day - k[1]).days <= 1}
        used += amount
        self._quotas[(key, day)] = used
        return QuotaResult(True, used, limit - used, resets_at)

    async def peek_quota(self, key: str, limit: int, *, now: datetime | None = None) -> QuotaResult:
        """See `Limits.peek_quota`."""
        day, resets_at = day_window(now or self._utcnow())
        used = self._quotas.get((key, day), 0)
        return QuotaResult(used < limit, used, max(limit - used, 0), resets_at)

    async def refund_quota(self, key: str, amount: int = 1, *, now: datetime | None = None) -> int:
        """See `Limits.refund_quota`."""
        check_quota_args(0, amount)
        day, _ = day_window(now or self._utcnow())
        used = max(self._quotas.get((key, day), 0) - amount, 0)
        if used:
            self._quotas[(key, day)] = used
        else:
            self._quotas.pop((key, day), None)
        return used

    async def acquire_pending(self, key: str, limit: int) -> bool:
        """See `Limits.acquire_pending`."""
        held = self._pending.get(key, 0)
        if held >= limit:
            return False
        self._pending[key] = held + 1
        return True

    async def release_pending(self, key: str) -> None:
        """See `Limits.release_pending`."""
        held = self._pending.get(key, 0)
        if held <= 1:
            self._pending.pop(key, None)
        else:
            self._pending[key] = held - 1

    async def close(self) -> None:
        """Nothing to release; present for the protocol."""
