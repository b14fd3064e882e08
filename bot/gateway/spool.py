"""Image bytes under a process-wide memory budget, and the gate on pixels decoded at once.

Generated images are large (a 4096² PNG is ~31 MiB) and a busy bot has many jobs in flight,
so memory is bounded by design rather than by the queue happening to be short:

* **Bytes in RAM.** `ImageWriter` keeps an image in memory only while the process-wide byte
  budget has room for it and it is at most `ImageBudget.max_image_in_memory`; otherwise the
  image is spooled to an anonymous temporary file (deleted by the OS when its last handle
  closes, even after a crash). Memory taken from the budget is given back when the
  `ImageData` is garbage collected (or `close`d), which CPython does as soon as the last
  reference goes. Spooling never waits, so a job can never deadlock on the byte budget.
* **Pixels decoded.** Re-encoding (decode, resize, encode) costs several bytes per pixel, far
  more than the file. `ImageBudget.decoding` admits at most `max_reencodes` decodes at once
  and at most `max_pixels` pixels in flight; later ones wait, first come first served. An
  image larger than the whole pixel budget waits until nothing else is decoded, then runs
  alone.

`ImageData.open()` gives each reader its own position over the same bytes (file readers use
`os.pread`), so re-encoding and uploading never disturb each other, and a reader keeps its
`ImageData` (and the file) alive until the reader itself is gone.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import io
import logging
import os
import tempfile
import threading
import weakref
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
_READ_BUFFER = 256 * 1024


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
        large_events: Streamed events over `LARGE_EVENT_BYTES` (images as base64 text, held
            whole by the SSE decoder) read at once across all streams; the others wait.
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
                initializer=_background_priority,
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
                max_workers=1, thread_name_prefix="image-bytes"
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


def _background_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: a thread is a task of its own).

    Re-encoding is CPU-bound and can keep every core busy; at nice 10 the kernel gives the
    event loop's thread ~9 times their share whenever it wants to run, so `/healthz` and
    deferrals stay prompt while images are re-encoded.
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


class _MemoryReader(io.BytesIO):
    """A `BytesIO` over in-memory image bytes that aiohttp uploads without copying.

    aiohttp's `BytesIOPayload` calls `getbuffer()` only to learn the size; on a plain `BytesIO`
    that un-shares (copies) the whole image inside the event loop. `getvalue()` returns the
    original bytes object while the buffer is unmodified, so the view costs nothing.
    """

    def __init__(self, data: bytes, owner: ImageData) -> None:
        super().__init__(data)
        self._owner: ImageData | None = owner  # keeps the budget taken while the reader lives

    def getbuffer(self) -> memoryview:  # type: ignore[override]  # read-only view on purpose
        """A read-only view of the image bytes (no copy)."""
        return memoryview(self.getvalue())

    def close(self) -> None:
        """Close and let go of the image."""
        self._owner = None
        super().close()


class _FileRaw(io.RawIOBase):
    """A reader with its own position over a spool file shared with other readers (`pread`)."""

    def __init__(self, owner: ImageData, fd: int, size: int) -> None:
        super().__init__()
        self._owner: ImageData | None = owner  # the file stays open while a reader exists
        self._fd = fd
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        # aiohttp only `fstat`s it for the upload's Content-Length.
        return self._fd

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._size - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._pos)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._owner = None  # never closes the shared descriptor
        super().close()


class ImageData:
    """Immutable image bytes, in RAM (counted in a budget) or in an anonymous spool file.

    Build one with `ImageWriter` (or `ImageData.of` for bytes at hand); read it with `open`,
    `head` or `read`.
    """

    __slots__ = ("__weakref__", "_data", "_file", "_finalizer", "size")

    def __init__(self, size: int, *, data: bytes | None = None, file: BinaryIO | None = None) -> None:
        self.size = size
        self._data = data
        self._file = file
        self._finalizer: weakref.finalize[Any, Any] | None = None

    @classmethod
    def of(cls, data: bytes, budget: ImageBudget | None = None) -> ImageData:
        """Wrap bytes; with a budget, count them in it or (when it is full) spool them."""
        if budget is None:
            return cls(len(data), data=data)
        writer = ImageWriter(budget)
        writer.write(data)
        return writer.finish()

    def _track(self, release: Any, *args: Any) -> None:
        self._finalizer = weakref.finalize(self, release, *args)

    @property
    def in_memory(self) -> bool:
        """Whether the bytes are in RAM (else in a spool file)."""
        return self._data is not None

    def open(self) -> BinaryIO:
        """A new reader at position 0, independent of every other reader."""
        if self._data is not None:
            return _MemoryReader(self._data, self)
        if self._file is None:
            raise ValueError("image data is closed")
        return io.BufferedReader(_FileRaw(self, self._file.fileno(), self.size), _READ_BUFFER)

    def head(self, count: int) -> bytes:
        """The first `count` bytes (e.g. to sniff the type)."""
        if self._data is not None:
            return self._data[:count]
        if self._file is None:
            raise ValueError("image data is closed")
        return os.pread(self._file.fileno(), min(count, self.size), 0)

    def read(self) -> bytes:
        """All the bytes (a copy for a spooled image: avoid on large ones)."""
        if self._data is not None:
            return self._data
        with self.open() as reader:
            return reader.read()

    def close(self) -> None:
        """Release the memory or the file now (only when no reader is in use)."""
        if self._finalizer is not None:
            self._finalizer()
        elif self._file is not None:
            self._file.close()
        self._data = None
        self._file = None


def _release_memory(budget: ImageBudget, amount: int) -> None:
    budget.give_back(amount)


_closer: concurrent.futures.ThreadPoolExecutor | None = None
_closer_lock = threading.Lock()


def _close_later(file: BinaryIO) -> None:
    """Close a spool file on a background thread.

    Closing the last handle of an unlinked file makes the kernel free its blocks (and, on a
    filesystem mounted with `discard`, trim them) inside `close()`: tens of milliseconds for a
    30 MiB image. The last reference to an image often goes on the event loop, so the close
    must not happen there.
    """
    global _closer
    with _closer_lock:
        if _closer is None:
            _closer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="spool-close")
        closer = _closer
    try:
        closer.submit(file.close)
    except RuntimeError:  # interpreter shutting down: close here
        file.close()


class ImageWriter:
    """Collect an image's bytes piece by piece, in RAM while the budget allows, else on disk.

    Not thread-safe (one writer, one thread at a time); the budget is.

    Args:
        budget: The process-wide budget.
    """

    def __init__(self, budget: ImageBudget) -> None:
        self._budget = budget
        self._pieces: list[bytes] = []
        self._file: BinaryIO | None = None
        self.size = 0

    def write(self, piece: bytes | bytearray | memoryview) -> None:
        """Append bytes."""
        if not piece:
            return
        length = len(piece)
        if self._file is None:
            fits = self.size + length <= self._budget.max_image_in_memory
            if fits and self._budget.try_take(length):
                self._pieces.append(piece if isinstance(piece, bytes) else bytes(piece))
                self.size += length
                return
            self._spill()
        assert self._file is not None
        self._file.write(piece)
        self.size += length

    def _spill(self) -> None:
        """Move what is held in RAM to a spool file and give its budget back."""
        file = self._budget.spool_file()
        try:
            for held in self._pieces:
                file.write(held)
        except BaseException:
            file.close()
            raise
        self._budget.give_back(self.size)
        self._pieces = []
        self._file = file

    def finish(self) -> ImageData:
        """The collected bytes as an `ImageData` (the writer is then empty)."""
        size, self.size = self.size, 0
        if self._file is not None:
            file, self._file = self._file, None
            file.flush()
            self._budget._note_spooled(size)
            image = ImageData(size, file=file)
            image._track(_close_later, file)
            return image
        pieces, self._pieces = self._pieces, []
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        del pieces
        image = ImageData(size, data=data)
        image._track(_release_memory, self._budget, size)
        return image

    def abort(self) -> None:
        """Drop what was collected."""
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._pieces:
            self._budget.give_back(self.size)
            self._pieces = []
        self.size = 0
