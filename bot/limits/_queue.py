"""`JobQueue`: the in-process fair queue in front of the AI gateway.

Fairness is start-time fair queueing with unit cost: a user's n-th waiting job gets the tag
``max(virtual time, that user's previous tag) + 1`` and waiters run in ``(tag, arrival)``
order. A user with ten queued jobs therefore gets one turn per round like everyone else, while
jobs of different users that arrive in the same round keep FIFO order.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

PositionCallback = Callable[[int], Awaitable[None]]


@dataclass(eq=False, slots=True)
class _Waiter:
    user: str
    tag: int
    seq: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # the position may have changed
    grant: asyncio.Event = field(default_factory=asyncio.Event)  # the slot is this waiter's
    granted: bool = False
    on_grant: Callable[[], None] | None = None


def _order(waiter: _Waiter) -> tuple[int, int]:
    return waiter.tag, waiter.seq


class JobQueue:
    """Bound the number of concurrent generations in this process, fairly across users.

    Args:
        max_concurrent: Jobs allowed to run at once (>= 1).
        position_interval: A waiter looks at its position again at most this often (seconds)
            after reporting it; 0 reports every change at once. Hundreds of waiters each
            recomputing and reporting on every release would cost waiters × releases.

    Raises:
        ValueError: If `max_concurrent` is below 1.
    """

    def __init__(self, max_concurrent: int, *, position_interval: float = 0.0) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent}")
        self._max = max_concurrent
        self._position_interval = position_interval
        self._running = 0
        self._waiting: list[_Waiter] = []  # sorted by _order: index 0 runs next
        self._seq = itertools.count()
        self._vtime = 0
        self._last_tag: dict[str, int] = {}
        self._user_waiting: Counter[str] = Counter()

    @property
    def max_concurrent(self) -> int:
        """Jobs allowed to run at once."""
        return self._max

    @property
    def depth(self) -> int:
        """Jobs waiting for a slot."""
        return len(self._waiting)

    @property
    def running(self) -> int:
        """Jobs holding a slot."""
        return self._running

    @asynccontextmanager
    async def slot(
        self,
        user_key: str,
        on_position: PositionCallback | None = None,
        on_grant: Callable[[], None] | None = None,
    ) -> AsyncIterator[None]:
        """Wait for a slot, hold it for the body of the ``async with``, then hand it on.

        Args:
            user_key: Whose job this is; fairness is round-robin across keys.
            on_position: Awaited in the waiting task whenever its 1-based queue position
                changes (at most once per `position_interval`), and with ``0`` once the job
                starts. Rapid changes coalesce: only the latest position is reported.
                Exceptions from it are logged, not raised.
            on_grant: Called synchronously the moment the slot becomes this job's: at once when
                one is free, else inside the release that hands it over (before the job that
                released it goes on).

        Yields:
            Nothing; the slot is held while the body runs.
        """
        if self._running < self._max and not self._waiting:
            self._running += 1
            if on_grant is not None:
                on_grant()
        else:
            await self._wait(user_key, on_position, on_grant)
        try:
            if on_position is not None:
                await self._report(on_position, 0)
            yield
        finally:
            self._release()

    async def _wait(
        self, user_key: str, on_position: PositionCallback | None, on_grant: Callable[[], None] | None
    ) -> None:
        tag = max(self._vtime, self._last_tag.get(user_key, 0)) + 1
        self._last_tag[user_key] = tag
        self._user_waiting[user_key] += 1
        waiter = _Waiter(user_key, tag, next(self._seq), on_grant=on_grant)
        index = bisect.bisect_right(self._waiting, _order(waiter), key=_order)
        self._waiting.insert(index, waiter)
        self._wake_from(index + 1)
        reported = 0  # no position yet (positions start at 1)
        try:
            while not waiter.granted:
                waiter.wake.clear()
                position = self._index(waiter) + 1
                if on_position is not None and position != reported:
                    reported = position
                    await self._report(on_position, position)
                # Returns at once when a change (or the grant, which sets `wake` too) came during
                # the callback: loop and recompute.
                await waiter.wake.wait()
                if on_position is not None and self._position_interval and not waiter.granted:
                    # Rest before recomputing: only the grant ends the rest early.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._position_interval):
                            await waiter.grant.wait()
        except BaseException:
            # Cancelled while waiting (or in the callback): leave no trace in the queue, and
            # if the slot was granted in the meantime, pass it to the next waiter.
            if waiter.granted:
                self._release()
            else:
                self._remove(waiter)
            raise

    @staticmethod
    async def _report(on_position: PositionCallback, position: int) -> None:
        try:
            await on_position(position)
        except Exception:
            # A failed progress edit must not cost the member their place or their job.
            log.warning("queue position callback failed (position %d)", position, exc_info=True)

    def _index(self, waiter: _Waiter) -> int:
        index = bisect.bisect_left(self._waiting, _order(waiter), key=_order)
        assert self._waiting[index] is waiter
        return index

    def _forget(self, waiter: _Waiter) -> None:
        self._user_waiting[waiter.user] -= 1
        if self._user_waiting[waiter.user] <= 0:
            # With nothing waiting, the user's next job starts a fresh round at virtual time.
            del self._user_waiting[waiter.user]
            del self._last_tag[waiter.user]  # set by `_wait` for every waiter of this user

    def _remove(self, waiter: _Waiter) -> None:
        index = self._index(waiter)
        del self._waiting[index]
        self._forget(waiter)
        self._wake_from(index)

    def _wake_from(self, index: int) -> None:
        for waiter in self._waiting[index:]:
            waiter.wake.set()

    def _release(self) -> None:
        self._running -= 1
        while self._running < self._max and self._waiting:
            waiter = self._waiting.pop(0)
            self._vtime = max(self._vtime, waiter.tag)
            self._forget(waiter)
            self._running += 1
            waiter.granted = True
            if waiter.on_grant is not None:
                waiter.on_grant()
            waiter.wake.set()
            waiter.grant.set()
        for waiter in self._waiting:  # everyone left moved up (nothing waits if none was granted)
            waiter.wake.set()
