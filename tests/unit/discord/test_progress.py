"""ProgressMessage on virtual time: at most one edit per 10 s, only on a meaningful change."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.discord.flows.progress import (
    FIRST_EDIT_DELAY,
    PROGRESS_EDIT_INTERVAL,
    ProgressMessage,
    meaningful,
    queue_position,
)
from bot.jobs import QUEUED_PREFIX


class Clock:
    """Virtual time: sleeping advances it (and yields once, like a real sleep)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += delay
        await asyncio.sleep(0)


def recorder() -> tuple[list[str], Callable[[str], Awaitable[None]]]:
    """An `edit` callback and the list of texts it was called with."""
    edits: list[str] = []

    async def edit(text: str) -> None:
        edits.append(text)

    return edits, edit


def queued(position: int) -> str:
    return f"{QUEUED_PREFIX} {position}."


async def settle(progress: ProgressMessage) -> None:
    """Let the flusher run until nothing is pending (virtual time jumps as it sleeps)."""
    if progress._task is not None:
        async with asyncio.timeout(5):
            await progress._task


def test_meaningful_changes() -> None:
    assert queue_position(queued(37)) == 37
    assert queue_position("Generating with `m`…") is None
    assert meaningful(None, queued(40))
    assert not meaningful(queued(40), queued(40))
    assert not meaningful(queued(40), queued(11))
    assert meaningful(queued(40), queued(10))
    assert not meaningful(queued(1), queued(1))
    assert meaningful(queued(3), "Generating with `m`…")
    assert not meaningful(queued(7), queued(2))
    assert meaningful(queued(4), queued(1))


async def test_first_text_at_once_then_one_edit_per_interval_on_halving() -> None:
    clock = Clock()
    edits: list[tuple[float, str]] = []

    async def edit(text: str) -> None:
        edits.append((clock.now, text))

    progress = ProgressMessage(edit, clock=clock, sleep=clock.sleep, first_delay=0)
    await progress.update(queued(40))
    await settle(progress)
    assert edits == [(0.0, queued(40))]
    clock.now = 2.0
    await progress.update(queued(11))  # not a quarter: ignored
    await settle(progress)
    assert len(edits) == 1
    await progress.update(queued(10))  # a quarter, but only 2 s after the last edit: waits
    await progress.update(queued(9))  # the newest meaningful text wins
    await settle(progress)
    assert edits[1] == (pytest.approx(PROGRESS_EDIT_INTERVAL), queued(9))
    assert clock.slept == [pytest.approx(8.0)]
    await progress.close()


async def test_close_drops_a_pending_edit() -> None:
    clock = Clock()
    edits, edit = recorder()
    # Real sleep: never reached.
    progress = ProgressMessage(edit, clock=clock, sleep=asyncio.sleep, first_delay=0)
    await progress.update(queued(8))
    await asyncio.sleep(0)
    await progress.update("Generating with `m`…")  # within the interval: pending
    await progress.close()
    assert edits == [queued(8)]


class ManualClock(Clock):
    """Virtual time moved by the test: a sleeper wakes once `tick` passes its deadline."""

    def __init__(self) -> None:
        super().__init__()
        self.sleepers: list[tuple[float, asyncio.Future[None]]] = []

    async def sleep(self, delay: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self.sleepers.append((self.now + delay, future))
        await future

    async def tick(self, seconds: float) -> None:
        self.now += seconds
        for deadline, future in list(self.sleepers):
            if deadline <= self.now + 1e-9:
                self.sleepers.remove((deadline, future))
                if not future.done():  # a sleeper cancelled meanwhile (close) stays cancelled
                    future.set_result(None)
        for _ in range(3):
            await asyncio.sleep(0)  # let the flusher run


@pytest.mark.parametrize("depth", [10, 100, 1000])
async def test_edits_grow_with_jobs_not_with_wait(depth: int) -> None:
    """A job reported every 0.1 s of a long wait, from position `depth` to 1, then started."""
    clock = ManualClock()
    edits, edit = recorder()
    progress = ProgressMessage(edit, clock=clock, sleep=clock.sleep, first_delay=0)
    for position in range(depth, 0, -1):
        for _ in range(10):  # the same position reported for a second: no edit for repeats
            await progress.update(queued(position))
            await clock.tick(0.1)
    await progress.update("Generating with `m`…")
    await clock.tick(PROGRESS_EDIT_INTERVAL)
    assert edits[0] == queued(depth)
    assert edits[-1] == "Generating with `m`…"
    # The wait is `depth` seconds, yet the edits are bounded by the quarterings of the position.
    assert len(edits) <= (depth.bit_length() + 1) // 2 + 2
    await progress.close()


async def test_the_first_edit_waits_for_the_first_delay() -> None:
    clock = Clock()
    edits: list[tuple[float, str]] = []

    async def edit(text: str) -> None:
        edits.append((clock.now, text))

    clock.now = 100.0
    progress = ProgressMessage(edit, clock=clock, sleep=clock.sleep)  # made at the deferral
    clock.now = 100.25
    await progress.update(queued(40))
    await settle(progress)
    assert edits == [(pytest.approx(100.0 + FIRST_EDIT_DELAY), queued(40))]
    assert clock.slept == [pytest.approx(FIRST_EDIT_DELAY - 0.25)]
    await progress.close()


async def test_a_text_replaced_within_the_first_delay_is_never_shown() -> None:
    clock = ManualClock()
    edits, edit = recorder()
    progress = ProgressMessage(edit, clock=clock, sleep=clock.sleep)
    await progress.update(queued(3))
    await clock.tick(FIRST_EDIT_DELAY / 2)
    assert edits == []
    await progress.update("Generating with `m`…")  # the job started before anything was shown
    await clock.tick(FIRST_EDIT_DELAY / 2)
    assert edits == ["Generating with `m`…"]
    await progress.close()


async def test_a_job_done_within_the_first_delay_edits_nothing() -> None:
    clock = ManualClock()
    edits, edit = recorder()
    progress = ProgressMessage(edit, clock=clock, sleep=clock.sleep)
    await progress.update("Generating with `m`…")
    await clock.tick(FIRST_EDIT_DELAY / 2)
    await progress.close()  # the result replaces the deferral's "thinking…"
    await clock.tick(FIRST_EDIT_DELAY)
    assert edits == []
    assert progress.edits == 0
