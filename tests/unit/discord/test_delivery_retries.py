"""`with_retries` (back-off, Retry-After, deadline) and the store of undelivered results."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.discord.flows.retrying import backoff, is_transient, with_retries
from bot.discord.flows.undelivered import SpooledFile, SpooledResult, UndeliveredResults, describe_numbers


class FakeResponse:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = "fake"
        self.headers = headers or {}


def http_error(status: int, **headers: str) -> discord.HTTPException:
    return discord.HTTPException(FakeResponse(status, headers), {"message": "x", "code": 0})  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(errors: list[BaseException], result: str = "ok") -> Any:
    calls: list[int] = []

    async def send() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    send.calls = calls  # type: ignore[attr-defined]
    return send


async def test_transient_errors_are_retried_with_growing_jittered_delays() -> None:
    clock = Clock()
    send = failing([http_error(502), http_error(503), OSError("reset"), http_error(500)])
    assert await with_retries(send, deadline=1000, what="t", clock=clock, sleep=clock.sleep) == "ok"
    assert len(send.calls) == 5
    for attempt, delay in enumerate(clock.sleeps):
        ceiling = min(30.0, 2.0**attempt)
        assert ceiling / 2 <= delay <= ceiling


async def test_retry_after_is_honoured() -> None:
    clock = Clock()
    send = failing([http_error(429, **{"Retry-After": "7"})])
    await with_retries(send, deadline=1000, what="t", clock=clock, sleep=clock.sleep)
    assert clock.sleeps[0] >= 7


async def test_the_deadline_bounds_the_retries() -> None:
    clock = Clock()
    send = failing([http_error(502) for _ in range(100)])
    with pytest.raises(discord.HTTPException):
        await with_retries(send, deadline=20, what="t", clock=clock, sleep=clock.sleep)
    assert clock.now <= 20
    assert 2 <= len(send.calls) < 100


async def test_other_errors_are_raised_at_once() -> None:
    clock = Clock()
    send = failing([http_error(400)])
    with pytest.raises(discord.HTTPException):
        await with_retries(send, deadline=1000, what="t", clock=clock, sleep=clock.sleep)
    assert len(send.calls) == 1
    assert not is_transient(http_error(403))
    assert is_transient(http_error(429))


def test_backoff_is_capped() -> None:
    assert 15 <= backoff(20, rng=lambda: 0.0) <= 30
    assert backoff(20, rng=lambda: 1.0) == 30


def result(job: str, size: int, numbers: tuple[int, ...] = (1,)) -> SpooledResult:
    files = [SpooledFile(f"image_{n}.png", b"x" * size, n) for n in numbers]
    return SpooledResult(job, owner_id=1, guild_id=2, batches=[files])


def test_undelivered_results_are_bounded_and_expire() -> None:
    clock = Clock()
    store = UndeliveredResults(max_jobs=2, max_bytes=100, ttl=60, clock=clock)
    assert store.put(result("a", 40))
    assert store.put(result("b", 40))
    assert store.put(result("c", 40))  # over two jobs: the oldest goes
    assert store.get("a") is None
    assert store.get("b") is not None
    assert store.put(result("d", 50))  # over 100 bytes: "b" goes
    assert store.get("b") is None
    assert store.size <= 100
    assert not store.put(result("huge", 101))
    clock.now += 61
    assert store.get("c") is None
    assert len(store) == 0


def test_a_job_kept_twice_keeps_both_parts() -> None:
    store = UndeliveredResults()
    store.put(result("a", 1, (3,)))
    store.put(result("a", 1, (4,)))
    kept = store.get("a")
    assert kept is not None
    assert kept.numbers == [3, 4]


def test_numbers_are_named_for_members() -> None:
    assert describe_numbers([4]) == "Image 4"
    assert describe_numbers([11, 12]) == "Images 11-12"
    assert describe_numbers([2, 5, 7]) == "Images 2, 5 and 7"
