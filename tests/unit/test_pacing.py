"""BurstPacer: a burst is cut into loop-pass-sized slices, in arrival order, deferrals first.

A fake clock stands for the loop thread's CPU time: each arrival "works" by advancing it. A
ticker callback that re-schedules itself with `call_soon` runs once per pass of the event
loop, so it numbers the passes in which the arrivals ran.
"""

from __future__ import annotations

import asyncio
import collections

import pytest

from bot.pacing import COST_SMOOTHING, INITIAL_TURN_COST, BurstPacer, _Lane


class FakeClock:
    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def FROZEN() -> float:  # a wall clock that never moves: no deferral is overdue
    return 0.0


class Passes:
    """Numbers the passes of the running loop (one tick per pass)."""

    def __init__(self) -> None:
        self.number = 0
        self._stopped = False

    def start(self) -> None:
        asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        self.number += 1
        if not self._stopped:
            asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        self._stopped = True


async def burst(
    pacer: BurstPacer,
    clock: FakeClock,
    costs: list[float],
    *,
    urgent: list[bool] | None = None,
    wall: FakeClock | None = None,
    wall_step: float = 0.0,
) -> list[tuple[int, int]]:
    """Start one task per cost at once; each takes its turn, then works `cost` seconds.

    With `wall`, each arrival's work also moves that wall clock on by `wall_step`.
    Returns (arrival index, pass number) in the order the arrivals got through.
    """
    passes = Passes()
    passes.start()
    order: list[tuple[int, int]] = []

    async def arrival(index: int, cost: float, is_urgent: bool) -> None:
        await pacer.turn(urgent=is_urgent)
        order.append((index, passes.number))
        clock.now += cost
        if wall is not None:
            wall.now += wall_step

    lanes = urgent or [True] * len(costs)
    await asyncio.gather(*(arrival(i, cost, lanes[i]) for i, cost in enumerate(costs)))
    passes.stop()
    return order


def per_pass(order: list[tuple[int, int]]) -> collections.Counter[int]:
    return collections.Counter(number for _, number in order)


def sizes_in_pass_order(order: list[tuple[int, int]]) -> list[int]:
    """How many arrivals got through in each pass, first pass first."""
    counts = per_pass(order)
    return [counts[number] for number in sorted(counts)]


async def test_arrivals_within_a_slice_go_through_in_the_same_pass() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    order = await burst(pacer, clock, [0.1] * 5)
    assert [index for index, _ in order] == [0, 1, 2, 3, 4]
    assert len(per_pass(order)) == 1
    assert pacer.waited == 0
    assert pacer.batches == 0


async def test_a_burst_is_cut_into_slices_in_arrival_order() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    order = await burst(pacer, clock, [0.25] * 20)
    assert [index for index, _ in order] == list(range(20))  # first come, first served
    counts = per_pass(order)
    # The first pass takes arrivals until a slice is used (0, 0.25, 0.5, 0.75: four), the
    # rest wait; later passes hold at most a slice's worth by the measured cost.
    assert counts[min(counts)] == 4
    assert max(counts.values()) <= 5
    assert len(counts) >= 4
    assert pacer.waited == 16
    assert pacer.queued == 0
    assert pacer.batches == len(counts) - 1  # every pass after the first is one released batch
    # The cost was learnt from the batches (it moved from its initial guess towards 0.25).
    assert pacer.turn_cost > 10 * INITIAL_TURN_COST


async def test_the_batch_size_follows_the_measured_cost() -> None:
    cheap_clock, dear_clock = FakeClock(), FakeClock()
    cheap = BurstPacer(1.0, clock=cheap_clock, wall_clock=FROZEN)
    dear = BurstPacer(1.0, clock=dear_clock, wall_clock=FROZEN)
    cheap_order = await burst(cheap, cheap_clock, [0.05] * 60)
    dear_order = await burst(dear, dear_clock, [0.5] * 60)
    assert len(per_pass(cheap_order)) < len(per_pass(dear_order))
    # Once the cost is learnt, a pass of dear arrivals holds about two of them, not dozens.
    assert sorted(per_pass(dear_order).values())[-3:] <= [3, 3, 3]


async def test_deferrals_go_before_work_after_a_deferral() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    # Arrivals 0-9 are continuations after a deferral, 10-19 first steps of new interactions;
    # all queue behind an opening slice used up by the first four continuations.
    lanes = [False] * 10 + [True] * 10
    order = await burst(pacer, clock, [0.25] * 20, urgent=lanes)
    first_pass = min(number for _, number in order)
    waited = [index for index, number in order if number != first_pass]
    urgent_waited = [index for index in waited if lanes[index]]
    later_waited = [index for index in waited if not lanes[index]]
    assert urgent_waited == list(range(10, 20))
    # Every queued deferral got through before any queued continuation.
    position = {index: at for at, index in enumerate(index for index, _ in order)}
    assert max(position[i] for i in urgent_waited) < min(position[i] for i in later_waited)


async def test_a_cancelled_waiter_leaves_the_queue_and_the_rest_go_on() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)

    async def arrival() -> None:
        await pacer.turn()
        clock.now += 1.0  # a whole slice: whoever comes next in this pass waits

    first, second, third = (asyncio.ensure_future(arrival()) for _ in range(3))
    await asyncio.sleep(0)  # the pass in which all three arrive
    assert first.done()
    assert pacer.queued == 2
    second.cancel()
    await third  # released although the one before it in line is gone
    assert second.cancelled()
    assert pacer.queued == 0


async def test_after_a_burst_the_next_arrival_goes_straight_through() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    await burst(pacer, clock, [0.6] * 6)
    waited = pacer.waited
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await pacer.turn()
    assert pacer.waited == waited


async def paced_with_wall_clock(
    pacer: BurstPacer, clock: FakeClock, wall: FakeClock, count: int
) -> list[int]:
    """`count` arrivals at once, each working half a slice of CPU while 0.1 s of wall clock passes.

    Returns the number of arrivals that got through in each pass, in pass order.
    """
    order = await burst(pacer, clock, [0.5] * count, wall=wall, wall_step=0.1)  # two per slice
    assert [index for index, _ in order] == list(range(count))  # first come, first served
    return sizes_in_pass_order(order)


async def test_deferrals_queued_too_long_go_in_growing_batches() -> None:
    clock, wall = FakeClock(), FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=wall, max_urgent_wait=0.25, all_at_once=1e9)
    sizes = await paced_with_wall_clock(pacer, clock, wall, 30)
    # Two a pass (one slice) while the oldest has waited less than 0.25 s; then one more slice's
    # worth per 0.25 s it has waited: the passes grow, but none takes the whole rest.
    assert sizes[:2] == [2, 2]
    assert max(sizes) > 2
    assert sizes == sorted(sizes)
    assert max(sizes) < 30 - sum(sizes[:2])  # the rest was not released in one pass
    assert len(sizes) >= 5


async def test_deferrals_queued_past_the_last_limit_all_go_in_the_next_pass() -> None:
    clock, wall = FakeClock(), FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=wall, max_urgent_wait=1e9, all_at_once=0.25)
    sizes = await paced_with_wall_clock(pacer, clock, wall, 30)
    # Paced at first (two a pass), then the oldest waiter is 0.25 s old: the rest go together.
    assert sizes[0] == 2
    assert sizes[-1] >= 20
    assert len(sizes) <= 6


def test_a_slice_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        BurstPacer(0)


async def test_each_pass_opens_a_fresh_slice() -> None:
    # 0.6 of a slice in one pass, then 0.6 in the next: the second is not charged for the first.
    clock = FakeClock(100.0)
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    for _ in range(3):
        await pacer.turn()
        clock.now += 0.6
        await asyncio.sleep(0)  # the next pass of the loop
    assert pacer.waited == 0
    assert pacer.batches == 0


async def test_the_cost_is_relearnt_from_each_batch() -> None:
    # The opening slice's arrivals are dear (four a slice), the queued ones cheap: the batches
    # grow as the pacer learns it, to far more than the four a slice the first cost allowed.
    clock = FakeClock(100.0)  # a clock that does not start at zero
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    costs = [0.25] * 4 + [0.02] * 200
    sizes = sizes_in_pass_order(await burst(pacer, clock, costs))
    assert sizes[:2] == [4, 4]  # the opening slice, then a batch sized by its cost
    assert max(sizes) >= 20
    assert pacer.turn_cost < 0.1
    # The first estimate came from the opening slice: 0.25 a turn, not its clock reading.
    first = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    clock.now = 500.0
    await burst(first, clock, [0.25] * 5)
    assert first.turn_cost == pytest.approx(0.25)


async def test_a_batch_is_a_slice_worth_of_the_measured_cost_whatever_the_slice() -> None:
    clock = FakeClock()
    pacer = BurstPacer(0.5, clock=clock, wall_clock=FROZEN)
    counts = per_pass(await burst(pacer, clock, [0.125] * 24))
    assert sorted(counts.values()) == [4] * 6  # 0.5 / 0.125 a pass


async def test_an_arrival_dearer_than_a_slice_goes_alone() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    counts = per_pass(await burst(pacer, clock, [1.5] * 5))
    assert sorted(counts.values()) == [1] * 5


async def test_a_cancelled_waiter_deep_in_the_queue_leaves_it() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)

    async def arrival() -> None:
        await pacer.turn()
        clock.now += 1.0  # a whole slice: one a pass

    first, second, third = (asyncio.ensure_future(arrival()) for _ in range(3))
    await asyncio.sleep(0)  # the pass in which all three arrive
    assert pacer.queued == 2
    third.cancel()  # still queued when the next batch (of one: second) is released
    await second
    with pytest.raises(asyncio.CancelledError):
        await third
    assert first.done()
    assert pacer.queued == 0


async def test_a_newcomer_does_not_overtake_a_released_batch() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    order: list[object] = []

    async def arrival(name: object) -> None:
        await pacer.turn()
        order.append(name)
        clock.now += 0.5  # two a slice

    early = [asyncio.ensure_future(arrival(index)) for index in range(4)]
    await asyncio.sleep(0)  # the four arrive: two get through, two queue
    assert pacer.queued == 2
    # Arrives in the pass that releases the last two: the slice is theirs, it waits for them.
    late = asyncio.ensure_future(arrival("late"))
    await asyncio.gather(*early, late)
    assert order == [0, 1, 2, 3, "late"]


async def test_work_after_a_deferral_is_paced_a_slice_a_pass_too() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    counts = per_pass(await burst(pacer, clock, [0.25] * 20, urgent=[False] * 20))
    assert sorted(counts.values()) == [4] * 5


async def test_a_second_burst_is_paced_like_the_first() -> None:
    clock = FakeClock()
    pacer = BurstPacer(1.0, clock=clock, wall_clock=FROZEN)
    first = per_pass(await burst(pacer, clock, [0.25] * 12))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    second = per_pass(await burst(pacer, clock, [0.25] * 12))
    assert sorted(first.values()) == sorted(second.values()) == [4, 4, 4]


def test_a_lane_takes_its_first_cost_whole_then_smooths_the_next() -> None:
    lane = _Lane()
    lane.learn(1.0)
    assert lane.turn_cost == 1.0
    lane.learn(0.0)
    assert lane.turn_cost == pytest.approx(1.0 - COST_SMOOTHING)
