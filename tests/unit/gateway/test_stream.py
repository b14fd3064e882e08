"""Chat stream translation from raw byte chunks: every split, CRLF, caps, bad images, spooling.

`ChatStream.events` is driven with the chunks of a pre-serialised SSE body (no network): the
image lines stream into the extractor (a low `stream_line_bytes` makes small images take the
same path as multi-megabyte ones), so every chunk boundary is tried inside the base64, the
data-URL header, the JSON around it and the line ends.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson
import pytest

from bot.gateway import _parse
from bot.gateway import errors as gw
from bot.gateway._stream import ChatStream
from bot.gateway.budget import ImageBudget
from bot.gateway.media import decode_data_url_async
from bot.gateway.models import (
    Finished,
    GeneratedImage,
    ImageEvent,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from bot.gateway.spool import ImageData
from tests.fakes.ai_gateway import data_url, make_png

KiB = 1024
MAX_IMAGE = 1024 * KiB
IMAGES = [make_png(1200, seed=1), make_png(900, seed=2)]
USAGE = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8, "cost": 0.5}


def chunk(**fields: Any) -> dict[str, Any]:
    return {"id": "gen_1", "object": "chat.completion.chunk", "model": "m", **fields}


def delta(**fields: Any) -> dict[str, Any]:
    return chunk(choices=[{"index": 0, "delta": fields}])


def image_part(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def body(events: Iterable[dict[str, Any] | bytes], *, end: bytes = b"\n") -> bytes:
    """An SSE body: each event a `data:` line (JSON or raw bytes) and a blank line."""
    lines = [e if isinstance(e, bytes) else orjson.dumps(e) for e in events]
    return b"".join(b"data: " + line + end + end for line in lines)


# Text, then one event whose single line holds text and two images, then the end.
EVENTS: list[dict[str, Any] | bytes] = [
    delta(role="assistant", content=""),
    delta(content="Two "),
    delta(content="cats", images=[image_part(data_url(image)) for image in IMAGES]),
    chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
    chunk(choices=[], usage=USAGE),
    b"[DONE]",
]
STREAM = body(EVENTS)
CRLF_STREAM = body(EVENTS, end=b"\r\n")


async def resolve(url: str, blobs: list[ImageData]) -> GeneratedImage:
    """What the client does with an image URL (no downloads here)."""
    if url.startswith("data:"):
        return await decode_data_url_async(url, max_bytes=MAX_IMAGE)
    image = _parse.image_from_url(url, MAX_IMAGE, None, blobs)
    assert isinstance(image, GeneratedImage)
    return image


def make_stream(budget: ImageBudget | None = None, **options: Any) -> ChatStream:
    settings: dict[str, Any] = {
        "max_event_bytes": 4 * MAX_IMAGE,
        "max_image_bytes": MAX_IMAGE,
        "image": resolve,
        "budget": budget or ImageBudget(),
        "stream_line_bytes": 256,
        **options,
    }
    return ChatStream(**settings)


async def chunks_of(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def run(parts: Iterable[bytes], stream: ChatStream | None = None) -> list[StreamEvent]:
    translator = stream or make_stream()
    async with asyncio.timeout(10):
        return [event async for event in translator.events(chunks_of(parts))]


def summary(events: list[StreamEvent]) -> list[Any]:
    """The events as comparable values (image bytes instead of image objects)."""
    out: list[Any] = []
    for event in events:
        if isinstance(event, ImageEvent):
            out.append(("image", event.index, event.image.data, event.image.mime))
        else:
            out.append(event)
    return out


EXPECTED = [
    TextDelta("Two "),
    TextDelta("cats"),
    ("image", 0, IMAGES[0], "image/png"),
    ("image", 1, IMAGES[1], "image/png"),
    UsageEvent(_parse.parse_usage(USAGE, None) or pytest.fail("usage")),
    Finished(finish_reason="stop", generation_id="gen_1", model="m"),
]


async def test_whole_stream_in_one_chunk() -> None:
    assert summary(await run([STREAM])) == EXPECTED


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
async def test_split_at_every_position(crlf: bool) -> None:
    data = CRLF_STREAM if crlf else STREAM
    for position in range(1, len(data)):
        events = await run([data[:position], data[position:]])
        assert summary(events) == EXPECTED, f"split at {position}"


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
async def test_one_byte_chunks(crlf: bool) -> None:
    data = CRLF_STREAM if crlf else STREAM
    assert summary(await run(data[i : i + 1] for i in range(len(data)))) == EXPECTED


@pytest.mark.parametrize("seed", range(20))
async def test_random_chunking_of_a_multi_megabyte_image_line(seed: int) -> None:
    big = make_png(3 * 2**20 + 1, seed=seed)  # a length that leaves base64 padding
    data = body([delta(content="here", images=[image_part(data_url(big))]), b"[DONE]"], end=b"\r\n")
    rng = random.Random(seed)
    parts, start = [], 0
    while start < len(data):
        size = rng.choice([1, 2, 3, 5, 7, 4096, 65_535, 65_536, 262_144])
        parts.append(data[start : start + size])
        start += size
    stream = make_stream(max_image_bytes=8 * 2**20, stream_line_bytes=64 * KiB, max_event_bytes=16 * 2**20)
    events = await run(parts, stream)
    assert summary(events)[:2] == [TextDelta("here"), ("image", 0, big, "image/png")]


async def test_text_deltas_are_yielded_as_their_chunk_arrives() -> None:
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def live() -> AsyncIterator[bytes]:
        while (part := await queue.get()) is not None:
            yield part

    events = make_stream().events(live())
    async with asyncio.timeout(5):
        queue.put_nowait(body([delta(content="first")]))
        assert await anext(events) == TextDelta("first")  # nothing else has been sent yet
        queue.put_nowait(body([delta(content="second"), b"[DONE]"]))
        queue.put_nowait(None)
        rest = [event async for event in events]
    assert rest[0] == TextDelta("second")


async def test_malformed_base64_in_a_streamed_line_is_a_typed_error() -> None:
    budget = ImageBudget()
    url = data_url(IMAGES[0])
    broken = url[:300] + "*" + url[301:]
    data = body([delta(images=[image_part(broken)]), b"[DONE]"])
    with pytest.raises(gw.InvalidImageError):
        await run([data[:200], data[200:]], make_stream(budget))
    assert budget.in_memory == 0  # the half-decoded image gave its memory back


async def test_a_data_url_that_is_not_base64_is_refused() -> None:
    url = "data:image/png," + "A" * 400
    with pytest.raises(gw.InvalidImageError, match="base64"):
        await run([body([delta(images=[image_part(url)]), b"[DONE]"])])


async def test_bytes_that_are_not_an_image_are_refused_whatever_the_media_type_says() -> None:
    url = data_url(b"GIF? no: plain text " * 40, mime="image/png")
    with pytest.raises(gw.InvalidImageError, match="not a PNG"):
        await run([body([delta(images=[image_part(url)]), b"[DONE]"])])


async def test_image_over_the_cap_fails_before_its_line_ends() -> None:
    big = make_png(200 * KiB, seed=3)
    data = body([delta(images=[image_part(data_url(big))]), b"[DONE]"])
    fed: list[int] = []

    async def counted() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 16 * KiB):
            fed.append(start)
            yield data[start : start + 16 * KiB]

    budget = ImageBudget()
    stream = make_stream(budget, max_image_bytes=100 * KiB)
    with pytest.raises(gw.ImageTooLargeError):
        async with asyncio.timeout(5):
            _ = [event async for event in stream.events(counted())]
    # 100 KiB of image is ~134 KiB of base64: refused then, not after all ~270 KiB arrived.
    assert 100 * KiB < fed[-1] < 160 * KiB
    assert budget.in_memory == 0


async def test_images_over_the_job_cap_fail_mid_stream() -> None:
    images = [make_png(3000, seed=4), make_png(3000, seed=5)]
    data = body([delta(images=[image_part(data_url(image)) for image in images]), b"[DONE]"])
    with pytest.raises(gw.JobTooLargeError):
        await run([data], make_stream(max_total_bytes=5000))


async def test_images_past_the_count_cap_are_dropped_undecoded() -> None:
    stream = make_stream(max_images=1)
    events = await run([STREAM], stream)
    assert [event.index for event in events if isinstance(event, ImageEvent)] == [0]
    assert stream.dropped == 1


async def test_an_in_stream_error_event_raises_its_typed_error() -> None:
    error = {"error": {"message": "slow down", "type": "rate_limit_exceeded", "code": "429"}}
    data = body([delta(content="a"), chunk(**error)])
    seen: list[StreamEvent] = []

    async def drain() -> None:
        async for event in make_stream().events(chunks_of([data[:7], data[7:]])):
            seen.append(event)

    with pytest.raises(gw.RateLimitError):
        await drain()
    assert seen == [TextDelta("a")]


async def test_an_image_that_goes_to_a_spool_file_is_decoded_all_the_same() -> None:
    budget = ImageBudget(memory_bytes=1 * KiB, max_image_in_memory=1 * KiB)
    big = make_png(300 * KiB, seed=6)
    data = body([delta(images=[image_part(data_url(big))]), b"[DONE]"])
    parts = [data[start : start + 8 * KiB] for start in range(0, len(data), 8 * KiB)]
    events = await run(parts, make_stream(budget, stream_line_bytes=64 * KiB))
    images = [event.image for event in events if isinstance(event, ImageEvent)]
    assert len(images) == 1
    assert not images[0].content.in_memory
    assert images[0].data == big
    assert budget.spooled_images == 1


async def test_an_event_of_short_data_lines_over_64_kib_in_all_goes_through_the_extractor() -> None:
    """Each line is under the streaming threshold, so the event is buffered whole, then parsed
    with its images decoded out of it (the path for big events that never streamed)."""
    image = make_png(30_000, seed=7)
    text = "x" * 40_000
    first = orjson.dumps(delta(content=text))[: -len(b"}}]}")] + b","  # the JSON goes on below
    second = b'"images":[' + orjson.dumps(image_part(data_url(image))) + b"]}}]}"
    assert len(first) < 64 * KiB
    assert len(second) < 64 * KiB <= len(first) + len(second)
    data = b"data: " + first + b"\ndata: " + second + b"\n\n" + body([b"[DONE]"])
    events = await run([data], make_stream(stream_line_bytes=64 * KiB))
    assert summary(events)[:2] == [TextDelta(text), ("image", 0, image, "image/png")]
