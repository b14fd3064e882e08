"""When and how long to wait before repeating a gateway request.

Image generation is billed, so the rules are conservative: repeat only what certainly did not
produce (or bill) a result — 429, 502/503/504, and transport failures before any response
byte. A 500 after a long generation may already be billed; a stream that already yielded
output would show the member duplicated text. Every retry fits in a total time budget, well
inside Discord's 15-minute interaction token.
"""

from __future__ import annotations

import asyncio
import math
import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.gateway.errors import RETRYABLE_SERVER_STATUSES, GatewayError, RateLimitError

__all__ = ["RETRYABLE_SERVER_STATUSES", "RetryPolicy", "parse_retry_after", "retryable"]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a `Retry-After` header: delta-seconds or an HTTP-date.

    Args:
        value: The header value, if any.
        now: The current time for HTTP-dates (defaults to the system clock, UTC).

    Returns:
        Seconds to wait (never negative), or None when absent or unreadable.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded, jittered, `Retry-After`-aware retries.

    Args:
        max_attempts: Total attempts including the first one.
        base_delay: Backoff before the 2nd attempt; doubles each time.
        max_delay: Upper bound of one backoff (a server's `Retry-After` may exceed it).
        total_budget: Seconds from the first attempt after which nothing is retried.
        jitter: Fraction (0..1) the backoff is randomly shortened by, to spread retries.
        sleep: Awaitable sleep (injectable for tests).
        random: Source of uniform floats in [0, 1) (injectable for tests).
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    total_budget: float = 120.0
    jitter: float = 0.25
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    random: Callable[[], float] = field(default=_random.random, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")

    def backoff(self, attempt: int) -> float:
        """Jittered exponential backoff after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.base_delay * 2.0 ** max(0, attempt - 1), self.max_delay)
        return ceiling * (1.0 - self.jitter * self.random())

    def delay_for(
        self, attempt: int, error: BaseException, *, elapsed: float = 0.0, after_output: bool = False
    ) -> float | None:
        """Decide whether to retry after attempt number `attempt` failed with `error`.

        Args:
            attempt: The attempt that just failed, 1-based.
            error: What it failed with.
            elapsed: Seconds since the first attempt started.
            after_output: The response had started (any byte of it, or any stream event)
                before the failure; such a request is never repeated.

        Returns:
            Seconds to wait before the next attempt, or None not to retry.
        """
        if after_output or attempt >= self.max_attempts or not retryable(error):
            return None
        remaining = self.total_budget - elapsed
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            # Honour the server; waiting less would only earn another 429.
            delay = error.retry_after
        else:
            delay = self.backoff(attempt)
        if delay > remaining:
            return None
        return delay


def retryable(error: BaseException) -> bool:
    """Whether an error is of a kind that may be retried at all (ignoring timing).

    The kinds are declared once, on the error classes (`GatewayError.retryable`): 429,
    502/503/504, transport failures and dropped streams. A timeout after the request was sent
    is not one: the generation may be running, and billed, upstream.
    """
    return isinstance(error, GatewayError) and error.retryable
