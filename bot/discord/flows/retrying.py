"""Retrying a Discord request past discord.py's own attempts, within a deadline.

discord.py retries one request up to five times (429s after `retry_after`, 500/502/504/524
after 1-9 s); a storm longer than that raises. A result the gateway already billed is worth
more patience: `with_retries` tries again with jittered exponential back-off, honouring
Discord's `Retry-After`, until a deadline (kept inside the interaction token's life by the
caller). Anything else (a 400, a 403, an expired token) is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import discord

log = logging.getLogger(__name__)

T = TypeVar("T")
BASE_DELAY = 1.0
MAX_DELAY = 30.0


def retry_after(error: BaseException) -> float | None:
    """Seconds Discord asked us to wait (429), or None when it did not say."""
    if isinstance(error, discord.RateLimited):
        return float(error.retry_after)
    if isinstance(error, discord.HTTPException) and error.status == 429:
        header = getattr(error.response, "headers", {}).get("Retry-After")
        try:
            return float(header) if header is not None else None
        except ValueError:
            return None
    return None


def is_transient(error: BaseException) -> bool:
    """Whether trying the same request again later may succeed: 429, 5xx, a dropped connection."""
    if isinstance(error, discord.RateLimited):
        return True
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, aiohttp.ClientError | OSError)  # OSError includes TimeoutError


def backoff(attempt: int, *, rng: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential back-off: uniform in [½, 1] × min(MAX_DELAY, BASE_DELAY × 2^attempt)."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2.0**attempt)
    return ceiling * (0.5 + rng() / 2)


async def with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    deadline: float,
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Await `send()` until it succeeds, retrying transient failures until `deadline`.

    Args:
        send: Makes the request again on each call (rewind any files inside it).
        deadline: `clock()` value after which no new attempt starts.
        what: For the log lines.
        clock: Monotonic clock (injectable for tests).
        sleep: Sleeper (injectable for tests).

    Returns:
        What `send` returned.

    Raises:
        Exception: the last error, when it is not transient or the deadline came.
    """
    attempt = 0
    while True:
        try:
            return await send()
        except Exception as exc:
            if not is_transient(exc):
                raise
            delay = max(retry_after(exc) or 0.0, backoff(attempt))
            if clock() + delay > deadline:
                log.warning("%s: giving up after %d attempt(s): %s", what, attempt + 1, _describe(exc))
                raise
            log.warning("%s failed (%s); retrying in %.1f s", what, _describe(exc), delay)
            attempt += 1
            await sleep(delay)


def _describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status} (code {error.code})"
    return type(error).__name__
