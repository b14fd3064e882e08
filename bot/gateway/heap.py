"""The C allocator's handling of image-sized buffers (glibc), and giving memory back when idle.

glibc serves an allocation of at least `M_MMAP_THRESHOLD` bytes (128 KiB at start; it rises, up
to 32 MiB, each time such a block is freed) from a fresh `mmap`, and returns it to the kernel
on `free`. Every page of a fresh mapping faults in (and is zeroed by the kernel) the first
time it is written. Image work is made of such blocks: a 4 MiB decoded image, the 768 KiB
pieces it is decoded in, the 256 KiB socket reads. Whether they came from a fresh mapping
depended on which sizes happened to be freed before, so the same load cost the byte thread
2.2 s of CPU in one run and 4.3-4.6 s in the next (bench/bot_load.py, 400 jobs of
4 x 4 MiB), the difference being page faults.

`tune()` raises the threshold to glibc's maximum, 32 MiB, and the trim threshold above it: image
buffers then come from the allocator's heaps, where freed pages stay mapped and are reused
without faulting. The price is that memory freed after a burst stays in the process;
`trim()` (`malloc_trim`) gives it back, and the bot calls it once jobs have stopped for a while
(`ImageBot`, `HEAP_TRIM_SECONDS`).

On a C library other than glibc (musl, macOS) both are no-ops that return False.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 2**20  # glibc's upper bound for M_MMAP_THRESHOLD on 64-bit
TRIM_THRESHOLD_BYTES = 128 * 2**20


def _glibc() -> Any | None:
    """The C library's functions when it is glibc, else None."""
    try:
        libc = ctypes.CDLL(None)
        version = libc.gnu_get_libc_version  # only glibc has it
    except (OSError, AttributeError):
        return None
    version.restype = ctypes.c_char_p
    return libc


class Heap:
    """The process's C heap: tune it for image buffers, trim it when idle."""

    def __init__(self) -> None:
        self._libc = _glibc()
        self._lock = threading.Lock()
        self.trims = 0
        self.tuned = False

    @property
    def supported(self) -> bool:
        """Whether the C library is glibc (the only one these settings apply to)."""
        return self._libc is not None

    def tune(self) -> bool:
        """Serve image-sized buffers from reused heap pages; True when applied.

        `mallopt` with an explicit threshold also turns glibc's dynamic adjustment off, so
        the behaviour no longer depends on what was freed first.
        """
        if self._libc is None:
            return False
        applied = bool(self._libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
            self._libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        )
        if not applied:
            log.warning("glibc refused the allocator settings for image buffers; left as they were")
        self.tuned = applied
        return applied

    def trim(self) -> bool:
        """Give the heap's free pages back to the kernel (blocking: call it off the loop).

        Returns:
            Whether any memory was released (False as well off glibc).
        """
        if self._libc is None:
            return False
        with self._lock:
            self.trims += 1
            return bool(self._libc.malloc_trim(0))


_process_heap: Heap | None = None


def process_heap() -> Heap:
    """The one `Heap` of this process."""
    global _process_heap
    if _process_heap is None:
        _process_heap = Heap()
    return _process_heap
