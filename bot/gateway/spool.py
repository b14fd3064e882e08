"""Image bytes held under the budget: in RAM, or in an anonymous spool file.

`ImageWriter` collects an image piece by piece (as it is decoded) and keeps it in RAM while
the process-wide `ImageBudget` has room, else spools it to a temporary file that the OS
deletes when its last handle closes, even after a crash. Memory taken from the budget is
given back when the `ImageData` is garbage collected (or `close`d), which CPython does as
soon as the last reference goes.

An image kept in RAM is either kept as its pieces and joined once at the end, or (a
`contiguous` writer) written into one buffer reserved up front and handed out as that very
`bytes` object; see `ImageWriter` for which suits which reader.

`ImageData.open()` gives each reader its own position over the same bytes (file readers use
`os.pread`), so re-encoding and uploading never disturb each other, and a reader keeps its
`ImageData` (and the file) alive until the reader itself is gone. aiohttp uploads an in-memory
reader in one write of a view of its bytes (`_MemoryPayload`).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import io
import os
import threading
import weakref
from typing import Any, BinaryIO

from aiohttp import payload as aiohttp_payload
from aiohttp.abc import AbstractStreamWriter

from bot.gateway.budget import ImageBudget, background_priority

_READ_BUFFER = 256 * 1024
RESERVE_BYTES = 16 * 2**20
"""The most an `ImageWriter` reserves before it knows the size (it grows past it if need be)."""


def _bytes_factory() -> Any:
    """CPython's `PyBytes_FromStringAndSize`, to make a `bytes` object without filling it."""
    try:
        factory = ctypes.pythonapi.PyBytes_FromStringAndSize
    except AttributeError:  # not CPython
        return None
    factory.restype = ctypes.py_object  # a new reference, which ctypes takes over
    factory.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
    return factory


_PYBYTES_FROM_SIZE = _bytes_factory()


def unfilled_bytes(size: int) -> bytes:
    """A `bytes` object of `size` bytes whose content is whatever its memory held before.

    For a buffer that is written before it is read, and read only as far as it was written
    (`ImageWriter` truncates to what it wrote). `bytes(size)` zeroes the whole buffer: from
    the allocator's reused heap (`bot.gateway.heap`) that is a 16 MiB memset, and every page of
    it made resident, for each streamed image, however small. Elsewhere than on CPython it is
    `bytes(size)`.
    """
    if _PYBYTES_FROM_SIZE is None:
        return bytes(size)
    made: bytes = _PYBYTES_FROM_SIZE(None, size)
    return made


class _MemoryReader(io.BytesIO):
    """A `BytesIO` over in-memory image bytes that aiohttp uploads without copying.

    aiohttp's `BytesIOPayload` calls `getbuffer()` only to learn the size; on a plain `BytesIO`
    that un-shares (copies) the whole image inside the event loop. `getvalue()` returns the
    original bytes object while the buffer is unmodified, so the view costs nothing.
    """

    def __init__(self, data: bytes, owner: ImageData) -> None:
        super().__init__(data)
        self._owner: ImageData | None = owner  # keeps the budget taken while the reader lives

    def getbuffer(self) -> memoryview:  # read-only view on purpose
        """A read-only view of the image bytes (no copy)."""
        return memoryview(self.getvalue())

    def close(self) -> None:
        """Close and let go of the image."""
        self._owner = None
        super().close()


class _MemoryPayload(aiohttp_payload.BytesIOPayload):
    """How aiohttp uploads a `_MemoryReader`: one write of a view of the bytes left to send.

    aiohttp's own `BytesIOPayload` copies the image out 256 KiB at a time, with a pass of the
    event loop per piece: 12-17 ms of the loop's CPU for a result's 4 × 4 MiB, against 5-9 ms
    this way (the transport sends what the socket takes and keeps the rest until it drains).
    Registered for `_MemoryReader` only, ahead of aiohttp's own payloads.
    """

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        """Write the bytes from the reader's position (at most `content_length` of them)."""
        self._set_or_restore_start_position()
        reader = self._value
        start = reader.tell()
        view = reader.getbuffer()[start:]
        if content_length is not None:
            view = view[:content_length]
        reader.seek(start + len(view))
        await writer.write(view)


aiohttp_payload.register_payload(_MemoryPayload, _MemoryReader, order=aiohttp_payload.Order.try_first)


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
            _closer = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="spool-close", initializer=background_priority
            )
        closer = _closer
    try:
        closer.submit(file.close)
    except RuntimeError:  # interpreter shutting down: close here
        file.close()


class ImageWriter:
    """Collect an image's bytes piece by piece, in RAM while the budget allows, else on disk.

    In RAM, by default, `bytes` pieces are kept as they come (others are copied: the caller
    may reuse them) and `finish` joins them: one allocation of exactly the image's size,
    without zeroing, which the allocator serves again from memory that earlier images freed.
    That suits a whole `b64_json` body decoded in large pieces (bench/bot_load.py: reserving a
    zeroed buffer instead doubled the decode thread's CPU on 4 × 4 MiB results).

    A `contiguous` writer copies the pieces into one buffer of `RESERVE_BYTES` (at most the
    largest image kept in RAM), doubled if the image outgrows it, and
    `finish` hands that buffer out without another copy. That suits a streamed reply, decoded
    in many small network-sized pieces whose pages would otherwise fault in besides the
    image's (SSE bench: page faults per round 4,711 -> 3,074). Either way a single `bytes`
    piece is kept as it is (no copy at all) until a second one arrives. Not thread-safe (one
    writer, one thread at a time); the budget is.

    Args:
        budget: The process-wide budget.
        contiguous: Write into one reserved buffer rather than keeping pieces.
    """

    def __init__(self, budget: ImageBudget, *, contiguous: bool = False) -> None:
        self._budget = budget
        self._contiguous = contiguous
        self._pieces: list[bytes] = []  # what was written, as it came (contiguous: only a first piece)
        self._memory: io.BytesIO | None = None  # the reserved buffer, once there are two
        self._capacity = 0
        self._file: BinaryIO | None = None
        self.size = 0

    def write(self, piece: bytes | bytearray | memoryview) -> None:
        """Append bytes (copied: the caller may reuse `piece`)."""
        if not piece:
            return
        length = len(piece)
        if self._file is None:
            fits = self.size + length <= self._budget.max_image_in_memory
            if fits and self._budget.try_take(length):
                self._keep(piece, length)
                return
            self._spill()
        assert self._file is not None
        self._file.write(piece)
        self.size += length

    def may_spool(self, more: int) -> bool:
        """Whether writing `more` bytes could go to a spool file (disk I/O: keep it off the loop)."""
        budget = self._budget
        return (
            self._file is not None
            or self.size + more > budget.max_image_in_memory
            or budget.in_memory + more > budget.memory_bytes
        )

    def _keep(self, piece: bytes | bytearray | memoryview, length: int) -> None:
        end = self.size + length
        if not self._contiguous or (self.size == 0 and type(piece) is bytes):
            # Contiguous: a first `bytes` piece waits here too, in case it is the only one.
            self._pieces.append(piece if type(piece) is bytes else bytes(piece))
        else:
            if end > self._capacity:
                self._reserve(end)
            assert self._memory is not None
            self._memory.write(piece)
        self.size = end

    def _reserve(self, need: int) -> None:
        """Move what is held into a buffer with room for at least `need` bytes."""
        limit = self._budget.max_image_in_memory
        capacity = min(limit, max(need, RESERVE_BYTES, 2 * self._capacity))
        # Not zeroed: pages the image never reaches are never touched. BytesIO takes it over
        # (it holds the only reference), writes into it in place and gives it back from
        # `getvalue()` truncated to what was written, without copying.
        grown = io.BytesIO(unfilled_bytes(capacity))
        if self._pieces:
            for held_piece in self._pieces:
                grown.write(held_piece)
            self._pieces = []
        elif self._memory is not None:
            with self._memory.getbuffer() as held:
                grown.write(held[: self.size])
        self._memory = grown
        self._capacity = capacity

    def _spill(self) -> None:
        """Move what is held in RAM to a spool file and give its budget back."""
        file = self._budget.spool_file()
        try:
            for held_piece in self._pieces:
                file.write(held_piece)
            if self._memory is not None:
                with self._memory.getbuffer() as held:
                    file.write(held[: self.size])
        except BaseException:
            file.close()
            raise
        self._budget.give_back(self.size)
        self._drop()
        self._file = file

    def _drop(self) -> None:
        self._pieces = []
        self._memory = None
        self._capacity = 0

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
        data = b""
        if self._pieces:
            data = self._pieces[0] if len(self._pieces) == 1 else b"".join(self._pieces)
        elif self._memory is not None:
            self._memory.truncate(size)
            data = self._memory.getvalue()  # the buffer itself, shrunk to size
        self._drop()
        image = ImageData(size, data=data)
        image._track(_release_memory, self._budget, size)
        return image

    def abort(self) -> None:
        """Drop what was collected."""
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self.size:
            self._budget.give_back(self.size)
            self._drop()
        self.size = 0
