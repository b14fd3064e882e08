"""A burst of interactions is parsed one per event-loop iteration, in order (issue 14)."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord import pacing
from bot.discord.pacing import InteractionPacer


async def test_a_burst_gives_the_loop_a_turn_once_a_slice_is_used_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing, "SLICE_SECONDS", 0.0)  # every parse uses the slice up
    loop = asyncio.get_running_loop()
    seen: list[str] = []
    done = asyncio.Event()
    pacer = InteractionPacer(lambda data: seen.append(f"parse {data}"))

    def other_work(n: int) -> None:  # anything else ready on the loop (timers, sockets, tasks)
        seen.append(f"other {n}")
        if n < 3:
            loop.call_soon(other_work, n + 1)
        else:
            done.set()

    for n in range(3):  # as discord.py hands them over: back to back, without yielding
        pacer(n)
    loop.call_soon(other_work, 0)
    assert seen == []  # nothing parsed inside the reader's pass
    async with asyncio.timeout(5):
        await done.wait()
    assert seen == ["parse 0", "other 0", "parse 1", "other 1", "parse 2", "other 2", "other 3"]


async def test_cheap_interactions_share_a_slice_and_jobs_wait_for_the_burst() -> None:
    loop = asyncio.get_running_loop()
    seen: list[str] = []
    pacer = InteractionPacer(lambda data: seen.append(f"parse {data}"))
    await pacer.drained()  # nothing pending: at once
    for n in range(3):
        pacer(n)
    loop.call_soon(seen.append, "other")
    async with asyncio.timeout(5):
        await pacer.drained()
    assert seen == ["parse 0", "parse 1", "parse 2", "other"]  # well within one slice


async def test_a_failing_parse_does_not_stall_the_ones_behind_it() -> None:
    seen: list[int] = []
    errors: list[object] = []
    parsed = asyncio.Queue[int]()
    asyncio.get_running_loop().set_exception_handler(
        lambda _loop, context: errors.append(context["exception"])
    )

    def parse(data: int) -> None:
        if data == 1:
            raise ValueError("bad payload")
        seen.append(data)
        parsed.put_nowait(data)

    pacer = InteractionPacer(parse)
    for n in range(3):
        pacer(n)
    async with asyncio.timeout(5):
        assert [await parsed.get(), await parsed.get()] == [0, 2]
    assert [type(e) for e in errors] == [ValueError]
    pacer(3)  # and it keeps going afterwards
    async with asyncio.timeout(5):
        assert await parsed.get() == 3
    assert seen == [0, 2, 3]
