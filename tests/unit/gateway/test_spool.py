"""The image budget: bytes in RAM (else spooled), pixels decoded at once, independent readers."""

from __future__ import annotations

import asyncio
import gc
import io
import sys
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import payload as aiohttp_payload

from bot.gateway import spool
from bot.gateway.budget import ImageBudget
from bot.gateway.spool import ImageData, ImageWriter

KiB = 1024


async def until(condition: Callable[[], bool]) -> None:
    """Let the other tasks run until `condition()` holds (no clock involved)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def write(budget: ImageBudget, data: bytes, piece: int = 4 * KiB) -> ImageData:
    writer = ImageWriter(budget)
    for start in range(0, len(data), piece):
        writer.write(data[start : start + piece])
    return writer.finish()


def test_images_stay_in_ram_while_the_budget_has_room_then_spool() -> None:
    budget = ImageBudget(memory_bytes=100 * KiB, max_image_in_memory=64 * KiB)
    first = write(budget, b"a" * 60 * KiB)
    assert first.in_memory
    assert budget.in_memory == 60 * KiB
    second = write(budget, b"b" * 60 * KiB)  # does not fit beside the first: spooled
    assert not second.in_memory
    assert budget.in_memory == 60 * KiB  # what was held before spilling was given back
    assert (budget.spooled_images, budget.spooled_bytes) == (1, 60 * KiB)
    assert second.read() == b"b" * 60 * KiB
    assert second.head(3) == b"bbb"


def test_an_image_over_the_per_image_limit_is_always_spooled() -> None:
    budget = ImageBudget(memory_bytes=10 * 2**20, max_image_in_memory=16 * KiB)
    image = write(budget, bytes(range(256)) * 100)  # 25,600 bytes
    assert not image.in_memory
    assert budget.in_memory == 0
    assert image.read() == bytes(range(256)) * 100


def test_memory_is_given_back_when_the_image_goes() -> None:
    budget = ImageBudget(memory_bytes=100 * KiB)
    image = write(budget, b"x" * 50 * KiB)
    reader = image.open()
    del image
    gc.collect()
    assert budget.in_memory == 50 * KiB  # a live reader keeps the image (and its budget)
    assert reader.read() == b"x" * 50 * KiB
    reader.close()
    del reader
    gc.collect()
    assert budget.in_memory == 0


def test_close_gives_back_at_once() -> None:
    budget = ImageBudget(memory_bytes=100 * KiB)
    image = write(budget, b"x" * 10 * KiB)
    image.close()
    assert budget.in_memory == 0
    with pytest.raises(ValueError, match="closed"):
        image.open()


def test_aborted_writer_gives_back_its_budget() -> None:
    budget = ImageBudget(memory_bytes=100 * KiB)
    writer = ImageWriter(budget)
    writer.write(b"x" * 30 * KiB)
    assert budget.in_memory == 30 * KiB
    writer.abort()
    assert budget.in_memory == 0


def test_spooled_readers_are_independent_and_keep_the_file_alive() -> None:
    budget = ImageBudget(memory_bytes=8, max_image_in_memory=8)
    data = bytes(range(256)) * 400
    image = write(budget, data)
    assert not image.in_memory
    one, two = image.open(), image.open()
    assert one.read(1000) == data[:1000]
    assert two.read(10) == data[:10]  # its own position
    assert one.read() == data[1000:]
    one.seek(5)
    assert one.read(5) == data[5:10]
    assert two.fileno() == one.fileno()  # aiohttp sizes uploads with fstat
    del image
    gc.collect()
    assert two.read() == data[10:]  # the file is still there for the reader
    one.close()
    two.close()


async def test_the_next_decode_waits_until_pixels_are_released() -> None:
    budget = ImageBudget(pixels=100, reencodes=4)
    order: list[str] = []
    release_first = asyncio.Event()

    async def decode(name: str, pixels: int, hold: asyncio.Event | None = None) -> None:
        async with budget.decoding(pixels):
            order.append(f"{name} in")
            if hold is not None:
                await hold.wait()
        order.append(f"{name} out")

    async with asyncio.timeout(5):
        first = asyncio.create_task(decode("first", 70, release_first))
        await until(lambda: budget.pixels_in_flight == 70)
        second = asyncio.create_task(decode("second", 40))
        third = asyncio.create_task(decode("third", 10))  # fits, but waits its turn behind "second"
        for _ in range(5):
            await asyncio.sleep(0)
        assert order == ["first in"]
        assert budget.decodes_waiting == 2
        release_first.set()
        await asyncio.gather(first, second, third)
    assert order.index("second in") > order.index("first out")
    assert order.index("third in") > order.index("second in")  # first come, first served
    assert budget.pixels_in_flight == 0


async def test_decode_slots_bound_concurrency() -> None:
    budget = ImageBudget(pixels=10**9, reencodes=1)
    inside = 0
    most = 0
    gate = asyncio.Event()

    async def decode() -> None:
        nonlocal inside, most
        async with budget.decoding(10):
            inside += 1
            most = max(most, inside)
            await gate.wait()
            inside -= 1

    async with asyncio.timeout(5):
        tasks = [asyncio.create_task(decode()) for _ in range(3)]
        for _ in range(5):
            await asyncio.sleep(0)
        assert inside == 1
        gate.set()
        await asyncio.gather(*tasks)
    assert most == 1


async def test_an_image_larger_than_the_whole_budget_runs_alone() -> None:
    budget = ImageBudget(pixels=100, reencodes=4)
    hold = asyncio.Event()

    async def small() -> None:
        async with budget.decoding(30):
            await hold.wait()

    async with asyncio.timeout(5):
        running = asyncio.create_task(small())
        await until(lambda: budget.pixels_in_flight == 30)
        huge_done = asyncio.Event()

        async def huge() -> None:
            async with budget.decoding(10_000):
                assert budget.pixels_in_flight == 100
                huge_done.set()

        waiting = asyncio.create_task(huge())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not huge_done.is_set()
        hold.set()
        await asyncio.gather(running, waiting)
    assert huge_done.is_set()
    assert budget.pixels_in_flight == 0


async def test_a_cancelled_waiter_lets_the_next_one_in() -> None:
    budget = ImageBudget(pixels=100, reencodes=4)
    hold = asyncio.Event()

    async def decode(pixels: int, event: asyncio.Event | None = None) -> None:
        async with budget.decoding(pixels):
            if event is not None:
                await event.wait()

    async with asyncio.timeout(5):
        holder = asyncio.create_task(decode(60, hold))
        await until(lambda: budget.pixels_in_flight == 60)
        blocked = asyncio.create_task(decode(80))  # the head of the queue
        later = asyncio.create_task(decode(30))  # fits now, but queued behind `blocked`
        for _ in range(5):
            await asyncio.sleep(0)
        assert not later.done()
        blocked.cancel()
        await later  # the head left: `later` fits beside the holder
        assert budget.pixels_in_flight == 60
        hold.set()
        await holder
    assert budget.pixels_in_flight == 0


async def test_large_streamed_events_are_read_a_few_at_a_time() -> None:
    from bot.gateway.sse import iter_sse

    budget = ImageBudget(large_events=1)
    budget.large_event_bytes = 100
    big = b"data: " + b"A" * 400 + b"\n\n"
    fed = {"one": 0, "two": 0}

    async def chunks(name: str) -> AsyncIterator[bytes]:
        for start in range(0, len(big), 50):
            fed[name] += 1
            yield big[start : start + 50]

    one = iter_sse(chunks("one"), max_event_bytes=10_000, gate=budget)
    two = iter_sse(chunks("two"), max_event_bytes=10_000, gate=budget)
    async with asyncio.timeout(5):
        first = asyncio.create_task(anext(one))
        await until(lambda: budget.large_events_in_flight == 1)
        second = asyncio.create_task(anext(two))
        await until(lambda: fed["two"] == 3)  # past 100 bytes: now it waits for the slot
        for _ in range(20):
            await asyncio.sleep(0)
        assert fed["two"] == 3
        assert not second.done()
        assert (await first).raw == b"A" * 400
        assert not second.done()  # the slot is held until the event was consumed...
        await one.aclose()  # ...which the next read (here: the end) shows
        assert (await second).raw == b"A" * 400
        await two.aclose()
    assert budget.large_events_in_flight == 0


class CollectingWriter:
    """The part of aiohttp's stream writer a payload uses: what was written, write by write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(chunk))


async def test_an_in_memory_image_is_uploaded_in_one_write_from_the_readers_position() -> None:
    data = bytes(range(256)) * 4 * KiB  # 1 MiB: aiohttp's own payload would write 4 pieces
    image = write(ImageBudget(memory_bytes=4 * 2**20), data)
    assert image.in_memory
    reader = image.open()
    payload = aiohttp_payload.get_payload(reader, filename="a.png", content_type="image/png")
    assert type(payload).__name__ == "_MemoryPayload"
    assert payload.size == len(data)
    writer = CollectingWriter()
    await payload.write_with_length(writer, None)
    assert writer.writes == [data]
    # A retry (discord.py seeks its files back) writes the same bytes again; a length cuts it.
    again = CollectingWriter()
    await payload.write_with_length(again, 1000)
    assert again.writes == [data[:1000]]
    reader.seek(300)
    later = aiohttp_payload.get_payload(reader)
    from_middle = CollectingWriter()
    await later.write_with_length(from_middle, None)
    assert from_middle.writes == [data[300:]]


def test_a_spooled_image_keeps_aiohttps_own_file_payload() -> None:
    image = write(ImageBudget(memory_bytes=KiB, max_image_in_memory=KiB), b"z" * 8 * KiB)
    assert not image.in_memory
    payload = aiohttp_payload.get_payload(image.open(), filename="a.png")
    assert type(payload).__name__ != "_MemoryPayload"


@pytest.mark.parametrize("contiguous", [False, True], ids=["pieces", "contiguous"])
def test_pieces_of_every_kind_make_one_bytes_image(contiguous: bool) -> None:
    budget = ImageBudget(memory_bytes=10 * 2**20)
    data = bytes(range(256)) * 1000
    writer = ImageWriter(budget, contiguous=contiguous)
    scratch = bytearray(7000)
    for start in range(0, len(data), 7000):  # pieces of every kind of bytes-like object
        piece = data[start : start + 7000]
        scratch[: len(piece)] = piece  # a decoder reusing one buffer for every piece
        writer.write([piece, scratch[: len(piece)], memoryview(scratch)[: len(piece)]][start % 3])
    image = writer.finish()
    assert image.in_memory
    assert image.size == len(data)
    assert image.read() == data
    assert type(image.read()) is bytes
    assert budget.in_memory == len(data)


@pytest.mark.parametrize("contiguous", [False, True], ids=["pieces", "contiguous"])
def test_a_single_bytes_piece_is_kept_without_a_copy(contiguous: bool) -> None:
    budget = ImageBudget()
    piece = b"z" * 5000
    writer = ImageWriter(budget, contiguous=contiguous)
    writer.write(piece)
    assert writer.finish().read() is piece


def test_an_image_past_the_reserve_grows_the_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "RESERVE_BYTES", 100)
    budget = ImageBudget()
    data = bytes(range(256)) * 64
    writer = ImageWriter(budget, contiguous=True)
    for start in range(0, len(data), 30):
        writer.write(memoryview(data)[start : start + 30])
    assert writer.finish().read() == data


@pytest.mark.parametrize("contiguous", [False, True], ids=["pieces", "contiguous"])
def test_spilling_after_pieces_writes_only_what_was_written(contiguous: bool) -> None:
    budget = ImageBudget(memory_bytes=100 * KiB, max_image_in_memory=20 * KiB)
    data = bytes(range(256)) * 120  # 30,720 bytes: spills once past 20 KiB
    writer = ImageWriter(budget, contiguous=contiguous)
    assert not writer.may_spool(10 * KiB)
    for start in range(0, len(data), 4 * KiB):
        writer.write(bytearray(data[start : start + 4 * KiB]))
    assert writer.may_spool(1)  # spooling now: more goes to the file
    image = writer.finish()
    assert not image.in_memory
    assert image.read() == data  # the reserved tail of the buffer never reaches the file
    assert budget.in_memory == 0


def test_may_spool_when_the_budget_is_nearly_full() -> None:
    budget = ImageBudget(memory_bytes=50 * KiB, max_image_in_memory=40 * KiB)
    held = write(budget, b"h" * 30 * KiB)
    writer = ImageWriter(budget)
    assert not writer.may_spool(20 * KiB)
    assert writer.may_spool(20 * KiB + 1)  # the budget has 20 KiB left
    assert writer.may_spool(41 * KiB)  # over the per-image limit whatever the budget
    held.close()


@pytest.mark.parametrize("contiguous", [False, True], ids=["pieces", "contiguous"])
def test_abort_after_pieces_gives_back_the_budget(contiguous: bool) -> None:
    budget = ImageBudget(memory_bytes=100 * KiB)
    writer = ImageWriter(budget, contiguous=contiguous)
    writer.write(b"a" * KiB)
    writer.write(b"b" * KiB)
    writer.abort()
    assert budget.in_memory == 0
    assert writer.finish().read() == b""


def test_unfilled_bytes_are_a_bytes_object_of_the_size_owned_by_the_caller_alone() -> None:
    made = spool.unfilled_bytes(4096)
    assert type(made) is bytes
    assert len(made) == 4096
    # One reference (ours; getrefcount adds its own): BytesIO writes into it in place and the
    # memory goes back when it is dropped (a reference too many would leak every reserve).
    assert sys.getrefcount(made) == 2


def test_a_contiguous_image_holds_only_what_was_written_never_the_reserves_old_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The reserve is not zeroed: whatever an earlier buffer left there must not reach the image.
    monkeypatch.setattr(spool, "RESERVE_BYTES", 64 * KiB)
    for _ in range(20):  # the allocator hands the same memory back: fill it with a marker
        stale = spool.unfilled_bytes(64 * KiB)
        io.BytesIO(stale).write(b"\xaa" * 64 * KiB)
        del stale
    writer = ImageWriter(ImageBudget(), contiguous=True)
    writer.write(b"first")
    writer.write(bytearray(b"-second"))
    image = writer.finish()
    assert image.read() == b"first-second"
    assert image.size == 12
