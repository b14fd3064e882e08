"""The `Limits` protocol, its result type and the UTC-day window shared by both backends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class QuotaResult:
    """Outcome of `Limits.take_quota`.

    Attributes:
        allowed: Whether the amount was taken. A refused take consumes nothing.
        used: Units used in the window after this call.
        remaining: Units left in the window after this call (never negative).
        resets_at: Start of the next window (next midnight UTC), timezone-aware.
    """

    allowed: bool
    used: int
    remaining: int
    resets_at: datetime


class Limits(Protocol):
    """Cooldowns, per-UTC-day quotas and per-user pending caps, atomic for every caller.

    `InMemoryLimits` is atomic within one event loop; `RedisLimits` across processes.
    """

    async def hit_cooldown(self, key: str, seconds: float) -> float | None:
        """Start a cooldown unless one is running.

        Args:
            key: Cooldown scope, e.g. ``"cd:<guild>:<user>"``.
            seconds: Cooldown length; ``<= 0`` means no cooldown (always returns ``None``).

        Returns:
            Seconds remaining when already on cooldown (nothing changes), else ``None`` after
            starting a new cooldown.
        """
        ...

    async def clear_cooldown(self, key: str) -> None:
        """End the cooldown for `key` now, if any."""
        ...

    async def take_quota(
        self, key: str, limit: int, amount: int = 1, *, now: datetime | None = None
    ) -> QuotaResult:
        """Take `amount` units from today's (UTC) quota, all or nothing.

        Args:
            key: Quota scope, e.g. ``"q:<guild>:<user>"``.
            limit: Units allowed per UTC day.
            amount: Units to take (positive).
            now: Aware timestamp selecting the day; defaults to the current time.

        Returns:
            The result; when `allowed` is false nothing was consumed.
        """
        ...

    async def peek_quota(self, key: str, limit: int, *, now: datetime | None = None) -> QuotaResult:
        """Read today's quota without changing it (`allowed` means at least one unit is left)."""
        ...

    async def refund_quota(self, key: str, amount: int = 1, *, now: datetime | None = None) -> int:
        """Give back units after a failed, unbilled generation.

        Args:
            key: Quota scope used for the take.
            amount: Units to give back; the counter never goes below zero.
            now: The time the units were *taken* (so a job that straddles midnight refunds
                the right day); defaults to the current time.

        Returns:
            Units used in that day's window after the refund.
        """
        ...

    async def acquire_pending(self, key: str, limit: int) -> bool:
        """Reserve one of `limit` in-flight/queued slots for `key`; ``False`` when all are taken."""
        ...

    async def release_pending(self, key: str) -> None:
        """Free a slot reserved by `acquire_pending` (no-op when none is held)."""
        ...

    async def close(self) -> None:
        """Release connections; the object must not be used afterwards."""
        ...


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def day_window(now: datetime) -> tuple[date, datetime]:
    """The UTC day containing `now` and the start of the next one.

    Args:
        now: A timezone-aware timestamp.

    Returns:
        ``(day, resets_at)``.

    Raises:
        ValueError: If `now` is naive (its day would be ambiguous).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("quota timestamps must be timezone-aware")
    day = now.astimezone(UTC).date()
    return day, datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def check_quota_args(limit: int, amount: int) -> None:
    """Validate quota arguments shared by both backends.

    Raises:
        ValueError: On a negative limit or a non-positive amount.
    """
    if limit < 0:
        raise ValueError(f"quota limit must be >= 0, got {limit}")
    if amount <= 0:
        raise ValueError(f"quota amount must be > 0, got {amount}")
