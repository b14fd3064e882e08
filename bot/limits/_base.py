"""The `Limits` protocol (cooldowns) shared by both backends.

Quotas, budgets and pending caps are not here: they are counted from the jobs table in the
database (`bot.storage._admission`), so they persist across restarts and are shared by every
process on the same database with or without Redis.
"""

from __future__ import annotations

from typing import Protocol


def cooldown_key(guild_id: int | None, user_id: int) -> str:
    """The one cooldown key of a member: ``<guild>:<user>``, ``dm:<user>`` outside servers.

    Admission starts the cooldown under it and `/help` reads it; `Limits.forget_user` drops
    every key of this shape for one user. (Redis stores it as ``<prefix>:cd:<key>``.)
    """
    return f"{guild_id or 'dm'}:{user_id}"


class Limits(Protocol):
    """Per-member cooldowns, atomic for every caller.

    `InMemoryLimits` is atomic within one event loop; `RedisLimits` across processes.
    """

    async def hit_cooldown(self, key: str, seconds: float) -> float | None:
        """Start a cooldown unless one is running.

        Args:
            key: Cooldown scope: `cooldown_key` of the member.
            seconds: Cooldown length; ``<= 0`` means no cooldown (always returns ``None``).

        Returns:
            Seconds remaining when already on cooldown (nothing changes), else ``None`` after
            starting a new cooldown.
        """
        ...

    async def clear_cooldown(self, key: str) -> None:
        """End the cooldown for `key` now, if any."""
        ...

    async def cooldown_remaining(self, key: str) -> float | None:
        """Seconds left on the cooldown for `key` (None when none is running); changes nothing."""
        ...

    async def forget_user(self, user_id: int) -> int:
        """Drop every cooldown of `user_id` (every `cooldown_key` of theirs), for `/forgetme`.

        Returns:
            How many were dropped.
        """
        ...

    async def close(self) -> None:
        """Release connections; the object must not be used afterwards."""
        ...
