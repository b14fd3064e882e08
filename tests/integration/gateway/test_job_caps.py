"""Per-job caps: never more images than asked for, and a total-bytes cap, for streams too."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.gateway import GatewayClient
from bot.gateway import errors as gw
from bot.gateway.budget import ImageBudget
from bot.gateway.models import ChatImageRequest, ImageEvent, ImageRequest, StreamEvent
from tests.fakes.ai_gateway import ChatReply, FakeAIGateway, ImagesReply, make_png

CHAT = ChatImageRequest(model="google/gemini-3-pro-image", prompt="p")


async def collect(client: GatewayClient, request: ChatImageRequest) -> list[StreamEvent]:
    return [event async for event in client.stream_chat(request)]


async def test_forty_images_for_n_1_keeps_one_and_logs_the_rest(
    client: GatewayClient, gateway: FakeAIGateway, caplog: pytest.LogCaptureFixture
) -> None:
    images = [make_png(2_000, seed=i) for i in range(40)]
    gateway.push("images", ImagesReply(images))
    with caplog.at_level(logging.WARNING, "bot.gateway.client"):
        result = await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p", n=1))
    assert [image.data for image in result.images] == images[:1]
    assert "39 image(s) more than the 1 asked for" in caplog.text


async def test_url_images_past_n_are_not_downloaded(client: GatewayClient, gateway: FakeAIGateway) -> None:
    urls = [gateway.add_file(make_png(900, seed=i)) for i in range(5)]
    gateway.push("images", ImagesReply(urls=urls))
    result = await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p", n=2))
    assert len(result.images) == 2
    assert sorted(r.path for r in gateway.requests if r.path.startswith("/files/")) == [
        "/files/img1",
        "/files/img2",
    ]


async def test_a_chat_stream_keeps_at_most_the_chat_cap(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(max_chat_images=2)
    images = [make_png(100_000, seed=i) for i in range(5)]  # big enough for the extractor path
    gateway.push("chat", ChatReply(images=images))
    with caplog.at_level(logging.WARNING, "bot.gateway._stream"):
        events = await collect(client, CHAT)
    kept = [e.image.data for e in events if isinstance(e, ImageEvent)]
    assert kept == images[:2]
    assert "3 image(s) past the cap of 2" in caplog.text


async def test_a_chat_body_keeps_at_most_the_chat_cap(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(max_chat_images=1)
    images = [make_png(3_000, seed=i) for i in range(3)]
    gateway.push("chat", ChatReply(images=images))
    result = await client.chat_image(CHAT)
    assert [image.data for image in result.images] == images[:1]


async def test_a_result_over_the_job_bytes_cap_fails_cleanly(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    budget = ImageBudget(memory_bytes=10 * 2**20)
    client = make_client(max_job_bytes=250_000, budget=budget)
    gateway.push("images", ImagesReply([make_png(100_000, seed=i) for i in range(4)]))
    with pytest.raises(gw.JobTooLargeError) as caught:
        await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p", n=4))
    assert "more image data than the bot accepts" in caught.value.user_message
    del caught
    assert budget.in_memory == 0  # whatever was decoded went with the failure


async def test_a_stream_over_the_job_bytes_cap_fails_cleanly(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    client = make_client(max_job_bytes=250_000)
    gateway.push(
        "chat", ChatReply(text_deltas=["Here."], images=[make_png(100_000, seed=i) for i in range(3)])
    )
    events: list[StreamEvent] = []

    async def consume() -> None:
        async for event in client.stream_chat(CHAT):
            events.append(event)

    with pytest.raises(gw.JobTooLargeError):
        await consume()
    assert sum(isinstance(e, ImageEvent) for e in events) == 2  # the third crossed the cap


async def test_big_images_are_spooled_not_held(
    make_client: Callable[..., GatewayClient], gateway: FakeAIGateway
) -> None:
    budget = ImageBudget(memory_bytes=300_000, max_image_in_memory=300_000)
    client = make_client(budget=budget)
    images = [make_png(200_000, seed=i) for i in range(3)]
    gateway.push("images", ImagesReply(images))
    result = await client.generate_images(ImageRequest(model="bfl/flux-2-pro", prompt="p", n=3))
    assert [image.content.in_memory for image in result.images] == [True, False, False]
    assert budget.in_memory <= 300_000
    assert [image.data for image in result.images] == images
