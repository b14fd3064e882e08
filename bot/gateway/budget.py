"""The process-wide image budget: bytes of images in RAM, pixels decoded at once.

Generated images are large (a 4096² PNG is ~31 MiB) and a busy bot has many jobs in flight,
so memory is bounded by design rather than by the queue happening to be short:

* **Bytes in RAM.** `bot.gateway.spool.ImageWriter` keeps an image in memory only while this
  budget has room for it and it is at most `ImageBudget.max_image_in_memory`; otherwise the
  image is spooled to an anonymous temporary file. Spooling never waits, so a job can never
  deadlock on the byte budget.
* **Pixels decoded.** Re-encoding (decode, resize, encode) costs several bytes per pixel, far
  more than the file. `ImageBudget.decoding` admits at most `reencodes` decodes at once and at
  most `pixels` pixels in flight; later ones wait, first come first served. An image larger
  than the whole pixel budget waits until nothing else is decoded, then runs alone. Decodes
  run on a few threads of their own, at low CPU priority.
* **Streamed images.** A streamed image is one multi-megabyte SSE line; at most
  `large_events` of them are read at once across all streams (`bot.gateway.sse.iter_sse`).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import logging
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, BinaryIO, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

MiB = 2**20
DEFAULT_MEMORY_BYTES = 128 * MiB
DEFAULT_MAX_IMAGE_IN_MEMORY = 8 * MiB
DEFAULT_PIXELS = 2 * 4096 * 4096
DEFAULT_REENCODES = 2
DEFAULT_LARGE_EVENTS = 2
LARGE_EVENT_BYTES = 1 * MiB
DECODE_NICENESS = 10


class _Gate:
    """A first-come-first-served async gate over a weighted capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    @property
    def waiting(self) -> int:
        """How many acquirers are waiting."""
        return len(self._waiters)

    async def acquire(self, amount: int) -> int:
        """Wait until `amount` fits (or, when larger than the capacity, until the gate is empty).

        Returns:
            The amount actually taken (to give to `release`).
        """
        amount = min(amount, self.capacity)
        if not self._waiters and self.used + amount <= self.capacity:
            self.used += amount
            return amount
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (amount, future)
        self._waiters.append(entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(amount)  # granted just as we were cancelled: hand it on
            else:
                self._waiters.remove(entry)
                self._wake()  # the head may have been us, blocking smaller waiters behind
            raise
        return amount

    def release(self, amount: int) -> None:
        """Give back `amount` and admit the waiters that now fit, in order."""
        self.used -= amount
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            amount, future = self._waiters[0]
            if future.cancelled():
                self._waiters.popleft()
                continue
            if self.used + amount > self.capacity:
                return
            self._waiters.popleft()
            self.used += amount
            future.set_result(None)


class ImageBudget:
    """The process-wide budget for image bytes in RAM and pixels being decoded.

    Args:
        memory_bytes: Image bytes held in RAM at once; more are spooled to disk.
        max_image_in_memory: A single image larger than this is always spooled.
        pixels: Pixels decoded at once (re-encoding); later decodes wait.
        reencodes: Decodes running at once.
        spool_dir: Directory for spool files (default: the system's temporary directory).
        large_events: Streamed events over `LARGE_EVENT_BYTES` (images, decoded as their
            base64 arrives) read at once across all streams; the others wait.
    """

    def __init__(
        self,
        *,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        max_image_in_memory: int = DEFAULT_MAX_IMAGE_IN_MEMORY,
        pixels: int = DEFAULT_PIXELS,
        reencodes: int = DEFAULT_REENCODES,
        spool_dir: str | None = None,
        large_events: int = DEFAULT_LARGE_EVENTS,
    ) -> None:
        if min(memory_bytes, pixels, reencodes) < 0 or reencodes < 1 or pixels < 1:
            raise ValueError("budgets must be positive")
        self.memory_bytes = memory_bytes
        self.max_image_in_memory = min(max_image_in_memory, memory_bytes)
        self.spool_dir = spool_dir
        self._lock = threading.Lock()  # writers run in worker threads too
        self.in_memory = 0
        self.peak_in_memory = 0
        self.spooled_images = 0
        self.spooled_bytes = 0
        self._pixels = _Gate(pixels)
        self._large_events = _Gate(max(1, large_events))
        self.large_event_bytes = LARGE_EVENT_BYTES
        self._slots = _Gate(reencodes)
        self._reencodes = reencodes
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._byte_executor: concurrent.futures.ThreadPoolExecutor | None = None

    # --- bytes in RAM (never waits) ----------------------------------------------------------

    def try_take(self, amount: int) -> bool:
        """Take `amount` bytes of RAM budget if there is room."""
        with self._lock:
            if self.in_memory + amount > self.memory_bytes:
                return False
            self.in_memory += amount
            self.peak_in_memory = max(self.peak_in_memory, self.in_memory)
            return True

    def give_back(self, amount: int) -> None:
        """Return RAM budget taken with `try_take`."""
        with self._lock:
            self.in_memory -= amount

    def _note_spooled(self, size: int) -> None:
        with self._lock:
            self.spooled_images += 1
            self.spooled_bytes += size

    # --- pixels decoded (waits) ----------------------------------------------------------------

    @property
    def pixels_in_flight(self) -> int:
        """Pixels admitted by `decoding` and not yet released."""
        return self._pixels.used

    @property
    def decodes_waiting(self) -> int:
        """Decodes waiting for a slot or for pixels."""
        return self._slots.waiting + self._pixels.waiting

    @asynccontextmanager
    async def decoding(self, pixels: int) -> AsyncIterator[None]:
        """Hold a decode slot and `pixels` of the pixel budget for the block (waits for both)."""
        slot = await self._slots.acquire(1)
        try:
            taken = await self._pixels.acquire(max(1, pixels))
            try:
                yield
            finally:
                self._pixels.release(taken)
        finally:
            self._slots.release(slot)

    @property
    def executor(self) -> concurrent.futures.ThreadPoolExecutor:
        """The threads that decode and re-encode: as many as decode slots, and no more.

        Image-sized buffers are then only ever allocated by these few threads: the C allocator
        keeps freed memory in per-thread arenas, so spreading decodes over the default executor's
        threads would leave each of them holding its own high-water mark.
        """
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self._reencodes,
                thread_name_prefix="image-decode",
                initializer=background_priority,
            )
        return self._executor

    async def run(self, func: Callable[..., T], /, *args: Any) -> T:
        """Run `func(*args)` on the decode threads (hold `decoding` around it)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def run_bytes(self, func: Callable[..., T], /, *args: Any) -> T:
        """Run byte work (base64 decoding, spooling) on the one thread kept for it.

        One thread, for the same reason as `executor`: decoded chunks are then allocated (and
        freed) in one allocator arena instead of one per default-executor thread.
        """
        if self._byte_executor is None:
            self._byte_executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="image-bytes", initializer=background_priority
            )
        return await asyncio.get_running_loop().run_in_executor(self._byte_executor, func, *args)

    async def acquire_large_event(self) -> None:
        """Wait until this stream may read on into a large event (see `bot.gateway.sse`)."""
        await self._large_events.acquire(1)

    def release_large_event(self) -> None:
        """The large event was consumed."""
        self._large_events.release(1)

    @property
    def large_events_in_flight(self) -> int:
        """Large streamed events being read or consumed now."""
        return self._large_events.used

    def spool_file(self) -> BinaryIO:
        """A new anonymous temporary file (gone once closed, or when the process dies)."""
        return tempfile.TemporaryFile(dir=self.spool_dir)


def background_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: a thread is a task of its own).

    Re-encoding (and decoding megabytes of base64) is CPU-bound and can keep every core busy;
    at nice 10 the kernel gives the event loop's thread ~9 times their share whenever it wants
    to run, so `/healthz` and deferrals stay prompt while images are processed.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DECODE_NICENESS)


_default_budget: ImageBudget | None = None


def default_budget() -> ImageBudget:
    """The budget used when none is given (one per process)."""
    global _default_budget
    if _default_budget is None:
        _default_budget = ImageBudget()
    return _default_budget
