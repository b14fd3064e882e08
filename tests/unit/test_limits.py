"""In-process limits (injected clocks) and the fair JobQueue."""

from __future__ import annotations

import asyncio

import pytest

from bot.limits import InMemoryLimits, JobQueue, cooldown_key, open_limits


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limits(clock: FakeClock) -> InMemoryLimits:
    return InMemoryLimits(clock=clock)


# --- cooldowns ------------------------------------------------------------------------------


async def test_cooldown_starts_reports_remaining_and_expires(
    limits: InMemoryLimits, clock: FakeClock
) -> None:
    assert await limits.hit_cooldown("u1", 10) is None
    clock.now += 3
    assert await limits.hit_cooldown("u1", 10) == pytest.approx(7)
    # A refused hit does not restart the cooldown.
    clock.now += 6.5
    assert await limits.hit_cooldown("u1", 10) == pytest.approx(0.5)
    assert await limits.hit_cooldown("u2", 10) is None
    clock.now += 0.5
    assert await limits.hit_cooldown("u1", 10) is None
    assert await limits.hit_cooldown("u1", 10) == pytest.approx(10)


async def test_cooldown_clear_and_zero_length(limits: InMemoryLimits) -> None:
    assert await limits.hit_cooldown("u", 30) is None
    await limits.clear_cooldown("u")
    assert await limits.hit_cooldown("u", 30) is None
    await limits.clear_cooldown("never-set")
    assert await limits.hit_cooldown("z", 0) is None
    assert await limits.hit_cooldown("z", 0) is None


async def test_cooldown_remaining_counts_down_to_none(limits: InMemoryLimits, clock: FakeClock) -> None:
    assert await limits.cooldown_remaining(cooldown_key(1, 2)) is None
    await limits.hit_cooldown(cooldown_key(1, 2), 10)
    clock.now += 4
    assert await limits.cooldown_remaining(cooldown_key(1, 2)) == pytest.approx(6)
    clock.now += 6
    assert await limits.cooldown_remaining(cooldown_key(1, 2)) is None  # expiring now: over
    assert await limits.hit_cooldown(cooldown_key(1, 2), 10) is None


async def test_forget_user_drops_that_users_cooldowns_everywhere(limits: InMemoryLimits) -> None:
    mine, others = [cooldown_key(1, 7), cooldown_key(None, 7)], [cooldown_key(1, 77), cooldown_key(7, 1)]
    for key in mine + others:
        await limits.hit_cooldown(key, 30)
    assert await limits.forget_user(7) == 2
    for gone in mine:
        assert await limits.cooldown_remaining(gone) is None
    for kept in others:
        assert await limits.cooldown_remaining(kept) == pytest.approx(30)
    assert await limits.forget_user(7) == 0


async def test_expired_cooldowns_are_swept_once_1024_are_kept(
    limits: InMemoryLimits, clock: FakeClock
) -> None:
    """The table stays bounded: `forget_user` counts what is still kept, expired or not."""
    for user in range(1022):
        await limits.hit_cooldown(cooldown_key(1, user), 10)
    await limits.hit_cooldown(cooldown_key(1, 5000), 11)  # expires at exactly the sweep's instant
    clock.now += 11  # every cooldown is over now; 1,023 are kept
    await limits.hit_cooldown(cooldown_key(1, 6000), 10)  # below 1,024 kept: no sweep
    assert await limits.forget_user(0) == 1
    await limits.hit_cooldown(cooldown_key(1, 6002), 10)  # back to 1,024 kept
    await limits.hit_cooldown(cooldown_key(1, 6001), 10)  # 1,024 kept: sweep, then add
    assert await limits.forget_user(1) == 0
    assert await limits.forget_user(5000) == 0  # expiring at the sweep's instant counts as over
    assert await limits.forget_user(6000) == 1  # running ones are kept
    assert await limits.cooldown_remaining(cooldown_key(1, 6001)) == pytest.approx(10)


async def test_open_limits_without_redis_is_in_memory() -> None:
    limits = await open_limits(None)
    assert isinstance(limits, InMemoryLimits)
    await limits.close()


# --- JobQueue ---------------------------------------------------------------------------------


class Harness:
    """Jobs whose bodies wait on a gate; `started` tells the test which one got a slot."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue
        self.started: asyncio.Queue[str] = asyncio.Queue()
        self.gates: dict[str, asyncio.Event] = {}
        self.positions: dict[str, list[int]] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.reported = asyncio.Condition()

    async def _job(self, name: str, user: str, queued: asyncio.Event) -> None:
        async def on_position(position: int) -> None:
            self.positions[name].append(position)
            queued.set()
            async with self.reported:
                self.reported.notify_all()

        async with self.queue.slot(user, on_position):
            self.started.put_nowait(name)
            await self.gates[name].wait()

    async def submit(self, name: str, user: str) -> None:
        """Start a job and return once it is queued or running (its first position report)."""
        self.gates[name] = asyncio.Event()
        self.positions[name] = []
        queued = asyncio.Event()
        self.tasks[name] = asyncio.create_task(self._job(name, user, queued))
        async with asyncio.timeout(2):
            await queued.wait()

    async def until_positions(self, expected: dict[str, int]) -> None:
        """Wait until each named job's latest reported position is as expected."""

        def settled() -> bool:
            return all(self.positions[n] and self.positions[n][-1] == p for n, p in expected.items())

        async with asyncio.timeout(2), self.reported:
            await self.reported.wait_for(settled)

    async def next_started(self) -> str:
        async with asyncio.timeout(2):
            return await self.started.get()

    async def finish(self, name: str) -> None:
        self.gates[name].set()
        async with asyncio.timeout(2):
            await self.tasks[name]


async def test_queue_runs_immediately_under_capacity() -> None:
    queue = JobQueue(2)
    h = Harness(queue)
    await h.submit("a", "u1")
    await h.submit("b", "u1")
    assert {await h.next_started(), await h.next_started()} == {"a", "b"}
    assert (queue.running, queue.depth) == (2, 0)
    assert h.positions == {"a": [0], "b": [0]}
    await h.finish("a")
    await h.finish("b")
    assert (queue.running, queue.depth) == (0, 0)


async def test_queue_is_round_robin_across_users_with_positions() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    assert await h.next_started() == "hold"
    for name, user in [("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"), ("c1", "C")]:
        await h.submit(name, user)
    assert queue.depth == 5
    await h.until_positions({"a1": 1, "b1": 2, "c1": 3, "a2": 4, "a3": 5})
    assert h.positions["a2"][0] == 2  # reported 2, then pushed back by B and C
    await h.finish("hold")
    order = []
    for _ in range(5):
        name = await h.next_started()
        order.append(name)
        assert queue.running == 1
        await h.finish(name)
    assert order == ["a1", "b1", "c1", "a2", "a3"]
    assert h.positions["a3"][-2:] == [1, 0]
    assert (queue.running, queue.depth) == (0, 0)


async def test_queue_newcomer_joins_current_round() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    await h.next_started()
    for name in ("a1", "a2", "a3"):
        await h.submit(name, "A")
    await h.finish("hold")
    assert await h.next_started() == "a1"
    await h.submit("b1", "B")  # arrives while A's second round is pending
    await h.finish("a1")
    started = [await h.next_started()]
    await h.finish(started[0])
    started.append(await h.next_started())
    await h.finish(started[1])
    assert started == ["a2", "b1"]
    assert await h.next_started() == "a3"
    await h.finish("a3")


async def test_queue_cancel_while_waiting_removes_waiter() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    await h.next_started()
    for name, user in [("w1", "A"), ("w2", "B"), ("w3", "C")]:
        await h.submit(name, user)
    h.tasks["w2"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await h.tasks["w2"]
    assert queue.depth == 2
    await h.until_positions({"w1": 1, "w3": 2})
    await h.finish("hold")
    assert await h.next_started() == "w1"
    await h.finish("w1")
    assert await h.next_started() == "w3"
    await h.finish("w3")
    assert h.started.empty()
    assert (queue.running, queue.depth) == (0, 0)


async def test_queue_cancel_after_grant_hands_slot_on() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    async with queue.slot("x"):
        await h.submit("w1", "A")
        await h.submit("w2", "B")
    # Leaving the block granted w1 synchronously; cancel it before it ever runs.
    h.tasks["w1"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await h.tasks["w1"]
    assert await h.next_started() == "w2"
    assert queue.running == 1
    await h.finish("w2")
    assert h.started.empty()
    assert 0 not in h.positions["w1"]
    assert (queue.running, queue.depth) == (0, 0)


async def test_queue_body_exception_releases_slot() -> None:
    queue = JobQueue(1)
    with pytest.raises(RuntimeError, match="boom"):
        async with queue.slot("u"):
            raise RuntimeError("boom")
    assert queue.running == 0
    async with queue.slot("u"):
        assert queue.running == 1


async def test_queue_failing_position_callback_does_not_kill_job(caplog: pytest.LogCaptureFixture) -> None:
    queue = JobQueue(1)

    async def broken(position: int) -> None:
        raise ConnectionError("discord edit failed")

    async with queue.slot("u", broken):
        entered = True
    assert entered
    [record] = [r for r in caplog.records if r.name == "bot.limits._queue"]
    assert (record.levelname, record.getMessage()) == (
        "WARNING",
        "queue position callback failed (position 0)",
    )
    assert isinstance(record.exc_info, tuple)  # the traceback is in the log
    assert record.exc_info[0] is ConnectionError
    assert queue.running == 0


async def test_queue_without_a_position_callback_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    await h.next_started()
    waiting = asyncio.create_task(_plain_job(queue))
    await h.submit("after", "z")  # queued once the plain job (scheduled first) has queued too
    assert queue.depth == 2
    await h.finish("hold")
    async with asyncio.timeout(2):
        await waiting
    assert await h.next_started() == "after"
    await h.finish("after")
    assert [r for r in caplog.records if r.name == "bot.limits._queue"] == []


async def _plain_job(queue: JobQueue) -> None:
    async with queue.slot("y"):
        pass


def test_cooldown_keys_name_the_place_and_the_member() -> None:
    assert cooldown_key(5, 7) == "5:7"
    assert cooldown_key(None, 7) == "dm:7"  # outside servers


async def test_queue_bounds_concurrency() -> None:
    queue = JobQueue(3)
    peak = 0
    release = asyncio.Event()
    inside = asyncio.Queue[None]()

    async def job(user: str) -> None:
        nonlocal peak
        async with queue.slot(user):
            peak = max(peak, queue.running)
            inside.put_nowait(None)
            await release.wait()

    tasks = [asyncio.create_task(job(f"u{i % 4}")) for i in range(12)]
    async with asyncio.timeout(2):
        for _ in range(3):
            await inside.get()
    assert (queue.running, queue.depth) == (3, 9)
    release.set()
    async with asyncio.timeout(2):
        await asyncio.gather(*tasks)
    assert peak == 3
    assert (queue.running, queue.depth) == (0, 0)


async def _run_all(h: Harness, jobs: int) -> list[str]:
    """Let `jobs` queued jobs run one after another; the order they started in."""
    order = []
    for _ in range(jobs):
        order.append(await h.next_started())
        await h.finish(order[-1])
    return order


async def test_queue_member_with_jobs_waiting_keeps_their_rounds() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    await h.next_started()
    for name, user in [("a1", "A"), ("a2", "A"), ("b1", "B")]:
        await h.submit(name, user)
    await h.finish("hold")
    assert await h.next_started() == "a1"  # A still has a2 waiting, in the second round
    await h.submit("a3", "A")  # A's third round
    await h.submit("c1", "C")  # C joins the second round
    await h.finish("a1")
    assert await _run_all(h, 4) == ["b1", "a2", "c1", "a3"]


async def test_queue_member_whose_waiting_jobs_were_cancelled_starts_afresh() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    await h.next_started()
    for name in ("a1", "a2", "a3"):
        await h.submit(name, "A")
    for name in ("a1", "a2", "a3"):
        h.tasks[name].cancel()
        with pytest.raises(asyncio.CancelledError):
            await h.tasks[name]
    await h.submit("b1", "B")
    await h.submit("b2", "B")
    await h.submit("a4", "A")  # first round again: the cancelled rounds do not count
    await h.finish("hold")
    assert await _run_all(h, 3) == ["b1", "a4", "b2"]


async def test_queue_on_grant_runs_the_moment_the_slot_is_handed_over() -> None:
    queue = JobQueue(1)
    granted: list[str] = []
    queued = asyncio.Event()

    async def on_position(position: int) -> None:
        if position > 0:
            queued.set()

    async def waiter() -> None:
        async with queue.slot("B", on_position, on_grant=lambda: granted.append("B")):
            pass

    async with queue.slot("A", on_grant=lambda: granted.append("A")):
        assert granted == ["A"]  # a free slot: at once
        task = asyncio.create_task(waiter())
        async with asyncio.timeout(2):
            await queued.wait()
        assert granted == ["A"]
    assert granted == ["A", "B"]  # inside the release, before this task goes on
    async with asyncio.timeout(2):
        await task


def test_queue_rejects_zero_capacity() -> None:
    with pytest.raises(ValueError, match="max_concurrent"):
        JobQueue(0)


async def test_queue_positions_are_recomputed_at_most_once_per_interval() -> None:
    queue = JobQueue(1, position_interval=3600)  # far longer than the test: no recompute
    reports: list[int] = []
    release, holding, reported = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with queue.slot("h"):
            holding.set()
            await release.wait()

    async def job(user: str) -> None:
        async with queue.slot(user, report if user == "last" else None):
            pass

    async def report(position: int) -> None:
        reports.append(position)
        reported.set()

    async with asyncio.timeout(5):
        first = asyncio.create_task(holder())
        await holding.wait()
        others = [asyncio.create_task(job(f"u{i}")) for i in range(20)]
        last = asyncio.create_task(job("last"))
        await reported.wait()
        assert reports == [21]
        release.set()  # 21 releases follow; each would move `last` up one place
        await asyncio.gather(first, *others, last)
    assert reports == [21, 0]  # the first position, then the start: no 20 wake-ups in between


async def test_queue_waiter_rests_a_whole_interval_after_each_wake() -> None:
    """With an interval, a waiter woken by a move reports nothing more until the rest ends."""
    queue = JobQueue(1, position_interval=3600)  # far longer than the test: the rest never ends
    h = Harness(queue)
    await h.submit("hold", "x")
    assert await h.next_started() == "hold"
    for name, user in [("w1", "A"), ("w2", "B"), ("w3", "C"), ("last", "D")]:
        await h.submit(name, user)
    await h.finish("hold")
    assert await _run_all(h, 4) == ["w1", "w2", "w3", "last"]  # each release moved `last` up
    assert h.positions["last"] == [4, 0]  # the grant ends the rest; 3, 2 and 1 were never sent


async def test_queue_waiter_reports_again_once_a_short_rest_is_over() -> None:
    queue = JobQueue(1, position_interval=0.01)
    h = Harness(queue)
    await h.submit("hold", "x")
    assert await h.next_started() == "hold"
    await h.submit("w1", "A")
    await h.submit("last", "B")
    await h.finish("hold")
    assert await h.next_started() == "w1"
    await h.until_positions({"last": 1})  # after the rest, not at the grant
    await h.finish("w1")
    assert await h.next_started() == "last"
    await h.finish("last")
    assert h.positions["last"] == [2, 1, 0]


async def test_queue_position_that_moved_and_came_back_is_not_reported_twice() -> None:
    """A newcomer who goes ahead and leaves during the callback leaves the position as reported."""
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    assert await h.next_started() == "hold"
    await h.submit("a1", "A")
    reports: list[int] = []
    in_callback, resume = asyncio.Event(), asyncio.Event()

    async def on_position(position: int) -> None:
        reports.append(position)
        if len(reports) == 1:
            in_callback.set()
            await resume.wait()

    async def second_job_of_a() -> None:
        async with queue.slot("A", on_position):
            pass

    task = asyncio.create_task(second_job_of_a())
    async with asyncio.timeout(2):
        await in_callback.wait()
    await h.submit("b1", "B")  # B's first round goes ahead of A's second job...
    assert h.positions["b1"] == [2]
    h.tasks["b1"].cancel()  # ...and leaves again
    with pytest.raises(asyncio.CancelledError):
        await h.tasks["b1"]
    resume.set()
    await h.finish("hold")
    assert await h.next_started() == "a1"
    await h.finish("a1")
    async with asyncio.timeout(2):
        await task
    assert reports == [2, 1, 0]


async def test_queue_newcomer_ahead_of_everyone_moves_every_waiter_back() -> None:
    queue = JobQueue(1)
    h = Harness(queue)
    await h.submit("hold", "x")
    assert await h.next_started() == "hold"
    for name in ("x1", "x2", "x3"):
        await h.submit(name, "X")
    h.tasks["x1"].cancel()  # X's first round is empty now: x2 and x3 keep rounds 2 and 3
    with pytest.raises(asyncio.CancelledError):
        await h.tasks["x1"]
    await h.until_positions({"x2": 1, "x3": 2})
    await h.submit("b1", "B")  # round 1: ahead of every waiter
    await h.until_positions({"b1": 1, "x2": 2, "x3": 3})
    await h.finish("hold")
    assert await _run_all(h, 3) == ["b1", "x2", "x3"]
