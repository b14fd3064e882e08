"""`InMemoryLimits`: the single-process backend.

Every method finishes without awaiting, so each one is atomic with respect to other tasks on
the same event loop. State lives only in this process: use `RedisLimits` with several.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Expired cooldowns are swept once the table grows past this many entries.
_SWEEP_AT = 1024


class InMemoryLimits:
    """In-process implementation of `bot.limits.Limits`.

    Args:
        clock: Monotonic seconds for cooldowns (injectable in tests).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cooldowns: dict[str, float] = {}

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

    async def cooldown_remaining(self, key: str) -> float | None:
        """See `Limits.cooldown_remaining`."""
        expires = self._cooldowns.get(key)
        now = self._clock()
        return None if expires is None or expires <= now else expires - now

    async def forget_user(self, user_id: int) -> int:
        """See `Limits.forget_user`."""
        suffix = f":{user_id}"
        mine = [k for k in self._cooldowns if k.endswith(suffix)]
        for key in mine:
            del self._cooldowns[key]
        return len(mine)

    async def close(self) -> None:
        """Nothing to release; present for the protocol."""
