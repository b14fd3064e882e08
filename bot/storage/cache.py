"""A bounded LRU read-through cache with explicit invalidation.

Read-through caches race with invalidation: a reader loads the old row, a writer commits and
invalidates, then the reader stores the old row and it stays stale. Every invalidation bumps
`epoch`; a loader reads `epoch` before its query and stores with `put(..., epoch=...)`, which
is refused if an invalidation happened in between.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """Least-recently-used cache of at most `maxsize` entries, optionally expiring.

    Args:
        maxsize: Most entries kept; the least recently used goes first.
        ttl: Seconds an entry lives (None: until evicted or invalidated). A safety net for
            several processes sharing a database without an invalidation channel.
        timer: Monotonic seconds (tests pass a fake one).
    """

    __slots__ = ("_data", "_maxsize", "_timer", "_ttl", "epoch", "hits", "misses")

    def __init__(
        self, maxsize: int = 10_000, ttl: float | None = None, timer: Callable[[], float] = time.monotonic
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._data: OrderedDict[K, tuple[V, float | None]] = OrderedDict()
        self._maxsize = maxsize
        self._ttl = ttl
        self._timer = timer
        self.epoch = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: K) -> V | None:
        """The cached value, or None on a miss (no I/O).

        Args:
            key: The cache key.

        Returns:
            The value, or None.
        """
        entry = self._data.get(key)
        if entry is None:
            self.misses += 1
            return None
        value, expires = entry
        if expires is not None and expires <= self._timer():
            del self._data[key]
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: K, value: V, *, epoch: int | None = None) -> bool:
        """Store a value, evicting the least recently used entry when full.

        Args:
            key: The cache key.
            value: The value (shared with every reader: treat it as immutable).
            epoch: `self.epoch` as read before loading `value`; if an invalidation happened
                since, the value may be stale and is not stored.

        Returns:
            Whether the value was stored.
        """
        if epoch is not None and epoch != self.epoch:
            return False
        expires = None if self._ttl is None else self._timer() + self._ttl
        self._data[key] = (value, expires)
        self._data.move_to_end(key)
        if len(self._data) > self._maxsize:
            self._data.popitem(last=False)
        return True

    def invalidate(self, key: K) -> None:
        """Drop one key and refuse in-flight loads that started before now.

        Args:
            key: The cache key.
        """
        self.epoch += 1
        self._data.pop(key, None)

    def clear(self) -> None:
        """Drop everything (e.g. after missing invalidation messages)."""
        self.epoch += 1
        self._data.clear()
