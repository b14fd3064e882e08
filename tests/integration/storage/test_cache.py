"""`LRUCache`: bound, recency, expiry, and the epoch guard against stale read-through loads."""

from __future__ import annotations

import pytest

from bot.storage.cache import LRUCache


class FakeTimer:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_least_recently_used_entry_is_evicted() -> None:
    cache: LRUCache[int, str] = LRUCache(maxsize=2)
    cache.put(1, "a")
    cache.put(2, "b")
    assert cache.get(1) == "a"  # 1 is now the most recent
    cache.put(3, "c")
    assert (cache.get(1), cache.get(2), cache.get(3)) == ("a", None, "c")
    assert len(cache) == 2
    assert (cache.hits, cache.misses) == (3, 1)


def test_entries_expire_after_ttl() -> None:
    timer = FakeTimer()
    cache: LRUCache[int, str] = LRUCache(maxsize=10, ttl=5.0, timer=timer)
    cache.put(1, "a")
    timer.now += 4.9
    assert cache.get(1) == "a"
    timer.now += 0.1
    assert cache.get(1) is None
    assert 1 not in cache


def test_load_that_raced_an_invalidation_is_not_stored() -> None:
    cache: LRUCache[int, str] = LRUCache()
    epoch = cache.epoch  # a reader starts loading
    cache.invalidate(1)  # a writer commits meanwhile
    assert cache.put(1, "stale", epoch=epoch) is False
    assert cache.get(1) is None
    assert cache.put(1, "fresh", epoch=cache.epoch) is True
    assert cache.get(1) == "fresh"


def test_clear_drops_everything_and_fences_loads() -> None:
    cache: LRUCache[int, str] = LRUCache()
    cache.put(1, "a")
    epoch = cache.epoch
    cache.clear()
    assert len(cache) == 0
    assert cache.put(2, "b", epoch=epoch) is False


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        LRUCache(maxsize=0)
