"""GuildPrimer batches the GUILD_CREATE burst; freeze_heap moves the heap out of the collector's way."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from bot.priming import GuildPrimer, freeze_heap


async def test_a_burst_of_guilds_is_primed_in_batches_of_a_hundred() -> None:
    batches: list[dict[int, list[int]]] = []

    async def prime(batch: dict[int, list[int]]) -> None:
        batches.append(batch)

    primer = GuildPrimer(prime)
    for guild_id in range(1, 251):  # GUILD_CREATEs dispatched one after another
        primer.add(guild_id, [guild_id * 10])
    async with asyncio.timeout(5):
        await primer.wait_idle()
    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert {guild for batch in batches for guild in batch} == set(range(1, 251))
    assert batches[0][1] == [10]
    primer.add(999, [1])  # a guild joined later is primed on its own
    async with asyncio.timeout(5):
        await primer.wait_idle()
    assert batches[-1] == {999: [1]}


async def test_a_failing_batch_is_logged_and_the_rest_still_primed(caplog: pytest.LogCaptureFixture) -> None:
    primed: list[int] = []

    async def prime(batch: dict[int, list[int]]) -> None:
        if 1 in batch:
            raise RuntimeError("database down")
        primed.extend(batch)

    primer = GuildPrimer(prime, batch=2)
    for guild_id in range(1, 6):
        primer.add(guild_id, [])
    with caplog.at_level(logging.ERROR):
        async with asyncio.timeout(5):
            await primer.wait_idle()
    assert primed == [3, 4, 5]
    assert "could not load settings for 2 guild(s)" in caplog.text
    await primer.close()


def test_freeze_heap_moves_live_objects_to_the_permanent_generation() -> None:
    try:
        kept = [{"x": [i]} for i in range(1000)]
        before = gc.get_freeze_count()
        assert freeze_heap() >= 0
        assert gc.get_freeze_count() >= before + 2000  # the dicts and lists above, at least
        del kept
    finally:
        gc.unfreeze()
