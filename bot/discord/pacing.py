"""`InteractionPacer`: a burst of interactions is handled one per event-loop iteration.

discord.py reads every gateway frame that has already arrived without giving the loop a turn,
and each `INTERACTION_CREATE` is parsed and its command started in that same pass: about half
a millisecond each, so a burst of 400 held the loop for 180 ms while timers, other sockets and
the deferrals already under way waited. Paced, interactions are parsed in slices of at most
`SLICE_SECONDS` per loop iteration (the rest is scheduled with `call_soon`, which runs in the
next iteration), so the loop polls I/O and runs its timers between two slices, and the
commands the slice started (each up to its deferral's request) run in the iteration after.
One interaction per iteration would starve the burst instead: everything the first ones set
off (admissions, queue-position edits, responses) would run in every iteration too, so a job
waits for `drained()` after its deferral: the burst's deferrals go out first, as they did when
the burst was handled in one pass. The order of interactions is kept, and a lone interaction
costs one extra `call_soon`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

SLICE_SECONDS = 0.004
"""Parsing time per loop iteration (about eight interactions; their commands run next)."""


class InteractionPacer:
    """Wraps discord.py's `INTERACTION_CREATE` parser (`ConnectionState.parsers`).

    Args:
        parse: The parser it stands in front of.
    """

    def __init__(self, parse: Callable[[Any], None]) -> None:
        self._parse = parse
        self._pending: deque[Any] = deque()
        self._scheduled = False
        self._drained = asyncio.Event()
        self._drained.set()

    async def drained(self) -> None:
        """Return once every interaction received so far has been parsed (at once when none waits)."""
        if not self._drained.is_set():
            await self._drained.wait()

    def __call__(self, data: Any) -> None:
        """Queue one event's payload; it is parsed in a later loop iteration."""
        self._pending.append(data)
        self._drained.clear()
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._next)

    def _next(self) -> None:
        deadline = time.perf_counter() + SLICE_SECONDS
        try:
            while self._pending:
                self._parse(self._pending.popleft())
                if time.perf_counter() >= deadline:
                    break
        finally:
            if self._pending:
                asyncio.get_running_loop().call_soon(self._next)
            else:
                self._scheduled = False
                self._drained.set()
