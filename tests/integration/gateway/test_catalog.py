"""`list_models` and `ModelCatalog`: classification, TTL, stale-on-failure, single flight."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

import aiohttp
import pytest

from bot.gateway import GatewayClient, ModelCatalog, RetryPolicy
from tests.fakes.ai_gateway import DEFAULT_MODELS, ErrorReply, FakeAIGateway, ModelsReply


class Clock:
    """A manual monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def model_calls(gateway: FakeAIGateway) -> int:
    return sum(r.path == "/v1/models" for r in gateway.requests)


async def test_list_models_classifies_the_catalogue(client: GatewayClient, gateway: FakeAIGateway) -> None:
    models = {m.id: m for m in await client.list_models()}
    assert len(models) == len(DEFAULT_MODELS)
    assert models["bfl/flux-2-pro"].endpoint == "images"
    assert models["openai/gpt-image-1"].endpoint == "images"
    assert models["spacexai/grok-imagine-image"].endpoint == "images"
    assert models["google/gemini-3-pro-image"].endpoint == "chat"
    assert models["google/gemini-3-pro-image"].accepts_image_input
    assert models["google/gemini-3-pro"].endpoint is None
    assert models["anthropic/claude-sonnet-4.5"].endpoint is None
    assert gateway.requests[0].headers["Authorization"].startswith("Bearer ")


async def test_catalog_getters_and_suggestions(client: GatewayClient) -> None:
    catalog = ModelCatalog(client)
    assert catalog.get_models() == []
    assert catalog.is_stale
    assert await catalog.refresh() is True
    assert not catalog.is_stale
    assert [m.id for m in catalog.image_models("images")] == [
        "bfl/flux-2-pro",
        "openai/gpt-image-1",
        "recraft/recraft-v3",
        "spacexai/grok-imagine-image",
    ]
    assert [m.id for m in catalog.image_models("chat")] == [
        "google/gemini-3-pro-image",
        "google/gemini-3.1-flash-image-preview",
    ]
    assert len(catalog.image_models()) == 6
    found = catalog.get("bfl/flux-2-pro")
    assert found is not None
    assert found.price_label == "$0.040/image"
    assert catalog.get("nope/nothing") is None
    assert catalog.suggest("flux")[0] == "bfl/flux-2-pro"
    assert catalog.suggest("gpt-image")[0] == "openai/gpt-image-1"
    assert "spacexai/grok-imagine-image" in catalog.suggest("xai/grok-imagine-image")
    assert "google/gemini-3-pro-image" in catalog.suggest("gemini-3-pro-imag")
    assert len(catalog.suggest("e", limit=2)) == 2
    assert catalog.suggest("zzzzzzzz") == []
    assert catalog.suggest("  ") == []


async def test_ttl(client: GatewayClient, gateway: FakeAIGateway) -> None:
    clock = Clock()
    catalog = ModelCatalog(client, ttl=60.0, clock=clock)
    await catalog.fetch_models()
    await catalog.fetch_models()
    assert model_calls(gateway) == 1
    clock.now += 59.0
    await catalog.fetch_models()
    assert model_calls(gateway) == 1
    clock.now += 1.0
    assert catalog.is_stale
    gateway.push("models", ModelsReply([{"id": "new/painter", "type": "image"}]))
    models = await catalog.fetch_models()
    assert [m.id for m in models] == ["new/painter"]
    assert model_calls(gateway) == 2
    await catalog.fetch_models(force=True)
    assert model_calls(gateway) == 3


async def test_failed_refresh_keeps_the_last_good_list(
    client: GatewayClient, gateway: FakeAIGateway, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    catalog = ModelCatalog(client, ttl=60.0, clock=clock, failure_backoff=30.0)
    assert await catalog.refresh()
    before = catalog.get_models()
    clock.now += 120.0
    gateway.push("models", ErrorReply(500, "boom"))
    with caplog.at_level(logging.WARNING, logger="bot.gateway.catalog"):
        models = await catalog.fetch_models()
    assert models == before
    assert catalog.is_stale
    assert "refresh failed" in caplog.text
    calls = model_calls(gateway)
    assert await catalog.fetch_models() == before  # backing off: no new request
    assert model_calls(gateway) == calls
    clock.now += 30.0
    await catalog.fetch_models()  # back-off over: tries again and succeeds
    assert model_calls(gateway) == calls + 1
    assert not catalog.is_stale


async def test_gateway_down_from_the_start_gives_an_empty_list(
    session: aiohttp.ClientSession, make_policy: Callable[..., RetryPolicy]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    catalog = ModelCatalog(GatewayClient(session, f"http://127.0.0.1:{port}/v1", None, retry=make_policy()))
    async with asyncio.timeout(3):  # autocomplete's budget: a dead gateway must not hang it
        assert await catalog.refresh() is False
        assert await catalog.fetch_models() == []  # backing off after the failure: no new attempt
    assert catalog.get_models() == []
    assert catalog.suggest("flux") == []


async def test_concurrent_refreshes_share_one_request(client: GatewayClient, gateway: FakeAIGateway) -> None:
    catalog = ModelCatalog(client)
    gateway.push("models", ModelsReply(DEFAULT_MODELS, delay=0.05))
    async with asyncio.timeout(10):
        results = await asyncio.gather(
            *(catalog.fetch_models(force=True) for _ in range(10)), catalog.refresh()
        )
    assert model_calls(gateway) == 1
    assert all(len(models) == len(DEFAULT_MODELS) for models in results[:-1])
    assert results[-1] is True


async def test_a_cancelled_caller_does_not_cancel_the_shared_refresh(
    client: GatewayClient, gateway: FakeAIGateway
) -> None:
    catalog = ModelCatalog(client)
    gateway.push("models", ModelsReply(DEFAULT_MODELS, delay=0.05))
    impatient = asyncio.create_task(catalog.refresh())
    async with asyncio.timeout(5):
        await gateway.next_request()  # the shared fetch is in flight
    impatient.cancel()
    async with asyncio.timeout(10):
        assert await catalog.refresh() is True
    assert impatient.cancelled()
    assert model_calls(gateway) == 1
    assert len(catalog.get_models()) == len(DEFAULT_MODELS)
