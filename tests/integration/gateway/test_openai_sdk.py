"""The official `openai` SDK reads the fake gateway: proof that the fake's wire format is real.

If the fake drifted from what OpenAI-compatible clients accept (framing, field names, error
bodies), these tests fail even when our own client happens to agree with the drift.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import openai
import pybase64
import pytest
from openai import AsyncOpenAI

from tests.fakes.ai_gateway import ChatReply, ErrorReply, FakeAIGateway, ImagesReply, data_url, make_png

API_KEY = "sk-sdk-test-0123456789abcdef"
CHAT_MODEL = "google/gemini-3-pro-image"


@pytest.fixture
async def sdk(gateway: FakeAIGateway) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=gateway.base_url, api_key=API_KEY, max_retries=0, timeout=20) as client:
        yield client


async def test_images_generate_decodes_to_the_same_bytes(sdk: AsyncOpenAI, gateway: FakeAIGateway) -> None:
    images = [make_png(30_000, seed=1), make_png(31_000, seed=2)]
    gateway.push("images", ImagesReply(images))
    options = {"blackForestLabs": {"outputFormat": "png", "seed": 42}}
    result = await sdk.images.generate(
        model="bfl/flux-2-pro",
        prompt="a lighthouse",
        n=2,
        response_format="b64_json",
        extra_body={"providerOptions": options},
    )
    assert result.data is not None
    assert [pybase64.b64decode(item.b64_json or "", validate=True) for item in result.data] == images
    async with asyncio.timeout(5):
        seen = await gateway.next_request()
    assert seen.path == "/v1/images/generations"
    assert seen.headers["Authorization"] == f"Bearer {API_KEY}"
    assert seen.json["providerOptions"] == options
    assert (seen.json["n"], seen.json["response_format"]) == (2, "b64_json")


async def test_chat_completion_carries_message_images(sdk: AsyncOpenAI, gateway: FakeAIGateway) -> None:
    image = make_png(20_000, seed=3)
    gateway.push("chat", ChatReply(text_deltas=["A ", "cat."], images=[image]))
    completion = await sdk.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "draw a cat"}],
        extra_body={"modalities": ["text", "image"]},
    )
    message = completion.choices[0].message
    assert message.content == "A cat."
    # `images` is not in the SDK's schema: it survives as an extra field, as with the real gateway.
    extra = message.model_extra or {}
    assert extra["images"] == [{"type": "image_url", "image_url": {"url": data_url(image)}}]
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 43
    async with asyncio.timeout(5):
        seen = await gateway.next_request()
    assert seen.json["modalities"] == ["text", "image"]


async def test_streamed_chat_yields_text_images_and_usage(sdk: AsyncOpenAI, gateway: FakeAIGateway) -> None:
    images = [make_png(300_000, seed=4), make_png(5_000, seed=5)]
    deltas = ["Here ", "are ", "two ", "images."]
    gateway.push("chat", ChatReply(text_deltas=deltas, images=images, chunk_size=4093, keepalive=True))
    stream = await sdk.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "two images"}],
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"modalities": ["text", "image"]},
    )
    text: list[str] = []
    decoded: list[bytes] = []
    finish_reasons: list[str] = []
    usage = None
    async with asyncio.timeout(20):
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                if choice.delta.content:
                    text.append(choice.delta.content)
                for part in (choice.delta.model_extra or {}).get("images", []):
                    header, _, payload = part["image_url"]["url"].partition(",")
                    assert header == "data:image/png;base64"
                    decoded.append(pybase64.b64decode(payload, validate=True))
                if choice.finish_reason:
                    finish_reasons.append(choice.finish_reason)
    assert text == deltas
    assert decoded == images
    assert finish_reasons == ["stop"]
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens) == (15, 28)
    async with asyncio.timeout(5):
        seen = await gateway.next_request()
    assert seen.json["stream"] is True
    assert seen.json["stream_options"] == {"include_usage": True}


async def test_429_raises_rate_limit_error(sdk: AsyncOpenAI, gateway: FakeAIGateway) -> None:
    gateway.push("images", ErrorReply(429, "slow down", error_type="rate_limit_exceeded", retry_after="7"))
    with pytest.raises(openai.RateLimitError) as caught:
        await sdk.images.generate(model="bfl/flux-2-pro", prompt="x", response_format="b64_json")
    assert caught.value.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert len(gateway.requests) == 1  # max_retries=0: the SDK did not retry behind our back


async def test_400_raises_bad_request_with_the_gateway_body(sdk: AsyncOpenAI, gateway: FakeAIGateway) -> None:
    gateway.push(
        "chat",
        ErrorReply(400, "prompt is too long for this model", error_type="invalid_request_error", code="bad"),
    )
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 400
    # The SDK unwraps `{"error": {...}}`, so `body` is the inner object and `message` quotes it.
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["message"] == "prompt is too long for this model"
    assert (caught.value.type, caught.value.code) == ("invalid_request_error", "bad")
    assert "prompt is too long for this model" in caught.value.message
