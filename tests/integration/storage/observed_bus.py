"""An `InvalidationBus` that reports each message after the store has applied it.

Tests wait on `applied` instead of sleeping: the store's own callback runs first, so once a
key is in the queue the store has evicted it (or ignored it, for a malformed key).
"""

from __future__ import annotations

import asyncio

from bot.storage import InvalidationBus
from bot.storage.invalidation import KeyCallback, ResetCallback

RESET = "*"


class ObservedBus:
    """Wraps a real bus; every delivered key, and `RESET` for a resubscription, lands in `applied`."""

    def __init__(self, inner: InvalidationBus) -> None:
        self.inner = inner
        self.applied: asyncio.Queue[str] = asyncio.Queue()

    async def start(self, on_key: KeyCallback, on_reset: ResetCallback) -> None:
        def key(value: str) -> None:
            on_key(value)
            self.applied.put_nowait(value)

        def reset() -> None:
            on_reset()
            self.applied.put_nowait(RESET)

        await self.inner.start(key, reset)

    async def publish(self, key: str) -> None:
        await self.inner.publish(key)

    async def close(self) -> None:
        await self.inner.close()

    async def next_applied(self) -> str:
        async with asyncio.timeout(5):
            return await self.applied.get()

    async def wait_for(self, key: str) -> None:
        async with asyncio.timeout(5):
            while await self.applied.get() != key:
                pass
