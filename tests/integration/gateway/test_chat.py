"""`chat_image` and `stream_chat` against the fake: JSON, SSE in odd chunks, errors, drops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pybase64
import pytest

from bot.gateway import GatewayClient
from bot.gateway import errors as gw
from bot.gateway.budget import ImageBudget
from bot.gateway.models import (
    ChatImageRequest,
    Finished,
    ImageEvent,
    InputImage,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from tests.fakes.ai_gateway import ChatReply, ErrorReply, FakeAIGateway, make_jpeg, make_png, stream_error

MODEL = "google/gemini-3-pro-image"
REQUEST = ChatImageRequest(model=MODEL, prompt="draw two cats")


async def collect(client: GatewayClient, req: ChatImageRequest = REQUEST) -> list[StreamEvent]:
    async with asyncio.timeout(20):
        return [event async for event in client.stream_chat(req)]


async def drain(client: GatewayClient, seen: list[StreamEvent]) -> None:
    """Consume a stream into `seen` (kept when the stream raises)."""
    async with asyncio.timeout(20):
        async for event in client.stream_chat(REQUEST):
            seen.append(event)


def chat_requests(gateway: FakeAIGateway) -> int:
    return sum(r.path == "/v1/chat/completions" for r in gateway.requests)


# --- non-streamed ----------------------------------------------------------------------------


async def test_chat_image_with_input_image(client: GatewayClient, gateway: FakeAIGateway) -> None:
    source = make_jpeg(3000, seed=4)
    outputs = [make_png(40_000, seed=1), make_png(41_000, seed=2)]
    gateway.push("chat", ChatReply(text_deltas=["Two ", "cats."], images=outputs))
    req = ChatImageRequest(
        model=MODEL, prompt="add a cat", images=[InputImage(data=source, mime="image/jpeg")]
    )
    result = await client.chat_image(req)
    assert result.text == "Two cats."
    assert [image.data for image in result.images] == outputs
    assert result.generation_id == "gen_01FAKE0000000000000000000"
    assert result.usage is not None
    assert result.usage.cost == 0.0123
    async with asyncio.timeout(5):
        request = await gateway.next_request()
    assert request.json["modalities"] == ["text", "image"]
    assert request.json["stream"] is False
    text_part, image_part = request.json["messages"][0]["content"]
    assert text_part == {"type": "text", "text": "add a cat"}
    prefix = "data:image/jpeg;base64,"
    assert image_part["image_url"]["url"].startswith(prefix)
    assert pybase64.b64decode(image_part["image_url"]["url"][len(prefix) :]) == source


async def test_chat_image_null_content(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("chat", ChatReply(text_deltas=[], images=[make_png(500)]))
    result = await client.chat_image(REQUEST)
    assert result.text == ""
    assert len(result.images) == 1


async def test_input_image_over_cap_is_refused_before_sending(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(max_image_bytes=1000)
    req = ChatImageRequest(
        model=MODEL, prompt="p", images=[InputImage(data=make_png(2000), mime="image/png")]
    )
    with pytest.raises(gw.ImageTooLargeError):
        await client.chat_image(req)
    assert gateway.requests == []


# --- streamed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "knobs",
    [{"chunk_size": 7}, {"chunk_size": 7, "crlf": True, "keepalive": True}, {"chunk_size": 1, "crlf": True}],
    ids=["lf-7", "crlf-keepalive-7", "crlf-1"],
)
async def test_stream_text_and_two_images_in_tiny_chunks(
    client: GatewayClient, gateway: FakeAIGateway, knobs: dict[str, object]
) -> None:
    images = [make_png(3000, seed=1), make_png(2500, seed=2)]
    gateway.push("chat", ChatReply(text_deltas=["Here ", "are ", "two."], images=images, **knobs))  # type: ignore[arg-type]
    events = await collect(client)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Here ", "are ", "two."]
    assert [(e.index, e.image.data) for e in events if isinstance(e, ImageEvent)] == [
        (0, images[0]),
        (1, images[1]),
    ]
    (usage,) = [e for e in events if isinstance(e, UsageEvent)]
    assert (usage.usage.total_tokens, usage.usage.cost) == (43, 0.0123)
    assert events[-1] == Finished(
        finish_reason="stop", generation_id="gen_01FAKE0000000000000000000", model=MODEL
    )
    request = gateway.requests[0]
    assert request.json["stream"] is True
    assert request.json["stream_options"] == {"include_usage": True}
    assert request.headers["Accept"] == "text/event-stream"
    assert request.headers["Authorization"].startswith("Bearer ")


async def test_stream_one_eight_megabyte_image_in_one_line(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    big = make_png(8 * 2**20, seed=5)
    gateway.push("chat", ChatReply(images=[big], chunk_size=64 * 1024))
    events = await collect(client)
    (image,) = [e for e in events if isinstance(e, ImageEvent)]
    assert image.image.data == big
    assert isinstance(events[-1], Finished)


async def test_stream_event_over_limit_is_bad_response(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(max_event_bytes=100_000)
    gateway.push("chat", ChatReply(images=[make_png(200_000)]))
    with pytest.raises(gw.BadResponseError, match="100000"):
        await collect(client)


async def test_mid_stream_error_chunk_raises_typed_error_with_nested_message(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    gateway.push(
        "chat",
        ChatReply(text_deltas=["Drawing"], error=stream_error("maximum context length is 40960 tokens")),
    )
    seen: list[StreamEvent] = []
    with pytest.raises(gw.BadRequestError) as caught:
        await drain(client, seen)
    assert seen == [TextDelta("Drawing")]
    assert caught.value.message == "maximum context length is 40960 tokens"
    assert caught.value.generation_id == "gen_01FAKE0000000000000000000"
    assert "40960" not in caught.value.user_message
    assert chat_requests(gateway) == 1


async def test_typed_error_chunk_maps_by_type(client: GatewayClient, gateway: FakeAIGateway) -> None:
    error = {"message": "Insufficient credits", "type": "insufficient_funds"}
    gateway.push("chat", ChatReply(text_deltas=["a"], error=error))
    with pytest.raises(gw.InsufficientCreditsError) as caught:
        await collect(client)
    assert caught.value.status == 402


async def test_error_chunk_before_any_output_is_retried(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float]
) -> None:
    timeout_error = {"code": "gateway_stream_timeout", "message": "upstream timed out"}
    gateway.push("chat", ChatReply(text_deltas=[], error=timeout_error), ChatReply(text_deltas=["ok"]))
    events = await collect(client)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["ok"]
    assert chat_requests(gateway) == 2
    assert len(sleeps) == 1


async def test_drop_after_output_is_incomplete_and_not_retried(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float]
) -> None:
    reply = ChatReply(text_deltas=["one ", "two "], images=[make_png(50_000)])
    gateway.push("chat", reply)
    reply.drop_after_bytes = len(b"".join(reply.sse_events[:3])) + 1000  # inside the image line
    seen: list[StreamEvent] = []
    with pytest.raises(gw.StreamIncompleteError):
        await drain(client, seen)
    assert seen == [TextDelta("one "), TextDelta("two ")]
    assert chat_requests(gateway) == 1
    assert sleeps == []


async def test_drop_before_any_output_is_retried(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("chat", ChatReply(drop_after_events=1), ChatReply(text_deltas=["fine"]))
    events = await collect(client)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["fine"]
    assert chat_requests(gateway) == 2


async def test_clean_end_without_done_or_finish_reason_is_incomplete(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    gateway.push("chat", ChatReply(text_deltas=["partial"], finish_reason=None, done=False, usage=None))
    with pytest.raises(gw.StreamIncompleteError):
        await collect(client)
    assert chat_requests(gateway) == 1


async def test_finish_reason_without_done_is_complete(client: GatewayClient, gateway: FakeAIGateway) -> None:
    gateway.push("chat", ChatReply(text_deltas=["x"], done=False, finish_reason="length"))
    events = await collect(client)
    assert isinstance(events[-1], Finished)
    assert events[-1].finish_reason == "length"


async def test_http_error_before_stream_is_retried(
    client: GatewayClient, gateway: FakeAIGateway, sleeps: list[float]
) -> None:
    gateway.push("chat", ErrorReply(429, "slow down", retry_after="2"), ChatReply(text_deltas=["after wait"]))
    events = await collect(client)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["after wait"]
    assert sleeps == [2.0]


async def test_consumer_stopping_early_releases_the_stream(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    gateway.push("chat", ChatReply(text_deltas=["a", "b", "c"], delay=0.01))
    async with asyncio.timeout(10):
        stream = client.stream_chat(REQUEST)
        first = await anext(stream)
        await stream.aclose()
    assert first == TextDelta("a")
    events = await collect(client)  # the session still works afterwards
    assert isinstance(events[-1], Finished)


async def test_non_streaming_json_answer_to_a_stream_request(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    image = make_png(1000)
    gateway.push("chat", ChatReply(text_deltas=["plain"], images=[image], ignore_stream=True))
    events = await collect(client)
    assert events[:2] == [TextDelta("plain"), ImageEvent(image=events[1].image, index=0)]  # type: ignore[union-attr]
    assert events[1].image.data == image  # type: ignore[union-attr]
    assert isinstance(events[2], UsageEvent)
    assert events[3] == Finished("stop", "gen_01FAKE0000000000000000000", MODEL)
    assert chat_requests(gateway) == 1


@pytest.mark.parametrize("chunk_size", [1000, 65536, None], ids=["small-chunks", "64k-chunks", "one-write"])
async def test_streamed_image_lines_go_straight_to_the_extractor(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway, chunk_size: int | None
) -> None:
    # Images well over the 64 KiB streaming threshold, CRLF line ends and keep-alives between.
    images = [make_png(300_000, seed=7), make_png(700_000, seed=8)]
    budget = ImageBudget(memory_bytes=10 * 2**20)
    client = make_client(budget=budget)
    reply = ChatReply(images=images, chunk_size=chunk_size, crlf=True, keepalive=True)
    gateway.push("chat", reply)
    events = await collect(client)
    assert [e.image.data for e in events if isinstance(e, ImageEvent)] == images
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Here is your image."
    assert isinstance(events[-1], Finished)
    del events
    assert budget.in_memory == 0  # the images' memory went back with them


async def test_drop_inside_a_streamed_image_gives_its_memory_back(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    budget = ImageBudget(memory_bytes=10 * 2**20)
    client = make_client(budget=budget)
    reply = ChatReply(text_deltas=["one "], images=[make_png(2_000_000)], chunk_size=65536)
    gateway.push("chat", reply)
    reply.drop_after_bytes = len(b"".join(reply.sse_events[:2])) + 1_000_000  # mid-image
    seen: list[StreamEvent] = []
    with pytest.raises(gw.StreamIncompleteError):
        await drain(client, seen)
    assert seen == [TextDelta("one ")]
    assert budget.in_memory == 0  # the half-decoded image was dropped at once
