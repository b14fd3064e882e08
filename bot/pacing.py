"""Spreading a burst of interactions over several passes of the event loop.

When hundreds of interactions arrive at once (a raid of `/imagine`, a shard resuming), discord.py
turns each into a task, and asyncio runs every ready task in one pass of the loop: each does its
first steps (checks, planning, the deferral request) before anything else runs, so the loop stalls
for the whole burst (about 65 ms of CPU at 400 interactions) and every other member, upload and
heartbeat waits that long.

`BurstPacer.turn()` is awaited at the start of each interaction (the command tree's check).
Within one pass it lets interactions through until they have used `slice_seconds` of the loop
thread's CPU; the rest queue, in arrival order, and are released a batch per later pass, each batch
sized from the measured cost of the earlier ones so that it fills about one slice. Between batches
the loop runs its other ready callbacks (network reads, uploads, timers). Work after a deferral
queues in a second lane behind the deferrals still to send (`turn(urgent=False)`).

The price: the burst's last deferral is sent later than if the whole burst ran in one pass, by the
other work that now runs in between (bench/bot_load.py, 400 at once on 2 busy cores: most passes
fell from 65-130 ms to 15-27 ms of CPU, the deferral p99 rose from about 0.1 s to 0.23-0.29 s,
well inside Discord's 3 s). Once the oldest queued deferral has waited `MAX_URGENT_WAIT_SECONDS`,
each pass takes one more slice's worth of deferrals per such wait (two slices at 0.1 s, three
at 0.2 s...), so a slow machine still gets through a burst quickly without one pass of the whole
rest; after `ALL_AT_ONCE_SECONDS` the rest go in one pass, whatever it costs.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Callable

# A pass of the loop spends at most about this much CPU on a burst before other work runs
# (bench/bot_load.py, 400 at once: 5 ms doubled the last deferral's wait for little gain).
DEFAULT_SLICE_SECONDS = 0.01
# What one turn is assumed to cost before any has been measured.
INITIAL_TURN_COST = 0.0005
# Weight of the newest batch in the running estimate of a turn's cost.
COST_SMOOTHING = 0.3
# Once the oldest queued deferral has waited this long (wall clock), deferral batches grow by one
# slice per such wait: on a slow machine a burst gets through sooner, in passes that stay bounded.
MAX_URGENT_WAIT_SECONDS = 0.1
# After this wait, the whole urgent lane goes in one pass. Discord's 3-second window comes before
# a smooth loop: on a starved machine (where a 0.25 s wait before the rest went at once still let
# 5 of 400 interactions expire in bench/bot_load.py) nothing more is paced.
ALL_AT_ONCE_SECONDS = 1.0


class _Lane:
    """Arrivals of one priority waiting for a pass, and what a turn of theirs costs."""

    def __init__(self) -> None:
        # Who waits, in arrival order, with the wall-clock time each one queued.
        self.queue: collections.deque[tuple[asyncio.Future[None], float]] = collections.deque()
        self.turn_cost = INITIAL_TURN_COST
        self.measured = False
        self.waited = 0

    def learn(self, cost: float) -> None:
        """Take one measured cost per turn into the estimate (the first replaces the guess)."""
        if self.measured:
            self.turn_cost += COST_SMOOTHING * (cost - self.turn_cost)
        else:
            self.turn_cost, self.measured = cost, True


class BurstPacer:
    """Let a burst of arrivals through a loop-pass-sized slice at a time, in arrival order.

    Two lanes: `turn()` (an interaction's first steps, up to its deferral: Discord's 3-second
    window) goes before `turn(urgent=False)` (what a flow does once deferred), so the
    continuations of the first interactions of a burst never hold back the deferrals of the last.

    Args:
        slice_seconds: How much of one pass of the loop arrivals may use before the next ones
            wait for a later pass.
        clock: Seconds of the loop thread's CPU time (`time.thread_time`): a slice is work
            done, not time the OS gave another process; tests pass their own.
        max_urgent_wait: Wall-clock seconds of the oldest deferral's wait per extra slice in a
            pass (a pass takes `1 + wait // max_urgent_wait` slices' worth of deferrals).
        all_at_once: Wall-clock seconds after which queued deferrals all go in one pass.
        wall_clock: Seconds, monotonic, for both waits; tests pass their own.
    """

    def __init__(
        self,
        slice_seconds: float = DEFAULT_SLICE_SECONDS,
        *,
        clock: Callable[[], float] = time.thread_time,
        max_urgent_wait: float = MAX_URGENT_WAIT_SECONDS,
        all_at_once: float = ALL_AT_ONCE_SECONDS,
        wall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if slice_seconds <= 0:
            raise ValueError("slice_seconds must be positive")
        self._slice = slice_seconds
        self._clock = clock
        self._max_urgent_wait = max_urgent_wait
        self._all_at_once = all_at_once
        self._wall_clock = wall_clock
        self._urgent = _Lane()
        self._later = _Lane()
        # When the current pass let its first arrival in; None: no arrival yet in this pass;
        # -inf: this pass belongs to a released batch, newcomers queue behind it.
        self._window_start: float | None = None
        self._window_count = 0  # arrivals let in since the window opened
        self._release_scheduled = False
        self._batch: tuple[_Lane, int, float] | None = None  # lane, size, first resumed at
        self.batches = 0  # batches released (for tests and benches)

    @property
    def queued(self) -> int:
        """Arrivals waiting for a later pass, both lanes."""
        return len(self._urgent.queue) + len(self._later.queue)

    @property
    def waited(self) -> int:
        """Turns that had to wait for a later pass since start-up, both lanes."""
        return self._urgent.waited + self._later.waited

    @property
    def turn_cost(self) -> float:
        """Running estimate of an urgent turn's cost, seconds."""
        return self._urgent.turn_cost

    async def turn(self, *, urgent: bool = True) -> None:
        """Return at once while this pass has room, else wait for the pass that takes us.

        Args:
            urgent: False for work after a deferral: it waits while deferrals are queued.
        """
        lane = self._urgent if urgent else self._later
        if not self.queued:
            now = self._clock()
            if self._window_start is None:
                self._window_start, self._window_count = now, 1
                asyncio.get_running_loop().call_soon(self._end_window)
                return
            if now - self._window_start < self._slice:
                self._window_count += 1
                return
            if self._window_count:  # the first burst of a quiet spell: learn its cost at once
                lane.learn((now - self._window_start) / self._window_count)
                self._window_count = 0
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (waiter, self._wall_clock())
        lane.queue.append(entry)
        lane.waited += 1
        self._schedule_release()
        try:
            await waiter
        except asyncio.CancelledError:
            if entry in lane.queue:
                lane.queue.remove(entry)
            raise
        if self._batch is not None and self._batch[2] < 0:
            self._batch = (self._batch[0], self._batch[1], self._clock())  # the batch starts now

    def _end_window(self) -> None:
        """A new pass has begun: the next arrival opens a new slice."""
        if self._window_start is not None and self._window_start > -math.inf:
            self._window_start = None

    def _schedule_release(self) -> None:
        if not self._release_scheduled:
            self._release_scheduled = True
            asyncio.get_running_loop().call_soon(self._release)

    def _release(self) -> None:
        """Runs once per pass while a burst lasts: learn from the last batch, wake the next one.

        Scheduled after the woken arrivals' own wake-ups, so when it runs the previous batch has
        just done its first steps in this very pass.
        """
        self._release_scheduled = False
        now = self._clock()
        if self._batch is not None:
            lane, size, started = self._batch
            if started >= 0:
                lane.learn((now - started) / size)
            self._batch = None
        for lane in (self._urgent, self._later):
            slices = 1.0
            if lane is self._urgent and lane.queue:
                waited = self._wall_clock() - lane.queue[0][1]
                slices = math.inf if waited >= self._all_at_once else 1 + waited // self._max_urgent_wait
            woken = self._wake(lane, slices)
            if woken:
                self._batch = (lane, woken, -1.0)
                self.batches += 1
                self._window_start = -math.inf  # the next pass is the batch's: newcomers queue
                self._schedule_release()
                return
        self._window_start = None  # the burst is over: the next arrival opens a fresh pass

    def _wake(self, lane: _Lane, slices: float) -> int:
        """Wake as many of `lane`'s first waiters as `slices` slices hold (inf: all); how many were woken."""
        if math.isinf(slices):
            size = len(lane.queue)
        else:
            size = max(1, int(slices * self._slice / max(lane.turn_cost, 1e-6)))
        woken = 0
        while lane.queue and woken < size:
            waiter, _ = lane.queue.popleft()
            if not waiter.done():  # not cancelled while it waited
                waiter.set_result(None)
                woken += 1
        return woken
