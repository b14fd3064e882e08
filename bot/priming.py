"""Start-up priming of the settings cache, in batches, and the heap frozen once it is warm.

At start-up discord.py delivers one GUILD_CREATE per guild (hundreds or thousands in a row).
Priming each on its own costs two queries per guild and leaves the cache cold well after
READY; `GuildPrimer` gathers the guilds that arrive together and primes up to `batch` of
them with two queries in all (`Store.prime_guilds`).

Once READY has fired and priming is done, `freeze_heap` moves every object tracked then (the
imported modules, discord.py's caches, the primed settings) into the permanent generation:
full garbage collections then only walk what was allocated since, instead of pausing the
loop for 100 ms or more over hundreds of thousands of long-lived objects.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

log = logging.getLogger(__name__)

PRIME_BATCH = 100
PRIME_LINGER = 0.02  # seconds a partial batch waits for more guilds of the same burst


class GuildPrimer:
    """Primes the settings of guilds as they become available, `batch` guilds per call.

    Args:
        prime: Primes a batch: guild id -> its channel ids.
        batch: Guilds per call.
        linger: How long a partial batch waits for more guilds before it is primed.
    """

    def __init__(
        self,
        prime: Callable[[dict[int, list[int]]], Awaitable[object]],
        *,
        batch: int = PRIME_BATCH,
        linger: float = PRIME_LINGER,
    ) -> None:
        self._prime = prime
        self._batch = batch
        self._linger = linger
        self._pending: dict[int, list[int]] = {}
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.batches = 0

    def add(self, guild_id: int, channel_ids: Iterable[int]) -> None:
        """Queue a guild for priming (returns at once)."""
        self._pending[guild_id] = list(channel_ids)
        self._idle.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="guild-priming")

    async def wait_idle(self) -> None:
        """Wait until every guild added so far is primed (or failed to be)."""
        await self._idle.wait()

    async def _run(self) -> None:
        try:
            while self._pending:
                if len(self._pending) < self._batch:
                    await asyncio.sleep(self._linger)  # the rest of the burst is on its way
                ids = list(self._pending)[: self._batch]
                batch = {guild_id: self._pending.pop(guild_id) for guild_id in ids}
                self.batches += 1
                try:
                    await self._prime(batch)
                except Exception:
                    log.exception("could not load settings for %d guild(s)", len(batch))
        finally:
            if not self._pending:
                self._idle.set()

    async def close(self) -> None:
        """Stop priming (at shutdown)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._pending.clear()
        self._idle.set()


def freeze_heap() -> float:
    """Move every object tracked by the collector to the permanent generation.

    No collection first: on a start-up heap of a few hundred thousand objects that is itself
    a full collection (hundreds of milliseconds on a busy machine, measured in `bench/bot_load`
    right after READY), while `gc.freeze()` only relinks the generations' lists. The price is
    that start-up garbage still uncollected then stays in memory: a few megabytes at most.

    Returns:
        The seconds freezing took (`gc.get_freeze_count()` says how many objects, but counts
        them one by one: not something to run on the event loop).
    """
    started = time.perf_counter()
    gc.freeze()
    return time.perf_counter() - started
