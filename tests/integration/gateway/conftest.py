"""Fixtures: the fake gateway on 127.0.0.1, one shared session, a client with instant retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from pydantic import SecretStr

from bot.gateway import GatewayClient, RetryPolicy
from tests.fakes.ai_gateway import FakeAIGateway

API_KEY = "sk-test-0123456789abcdef"
APP_URL = "https://imagebot.example.test"


@pytest.fixture
async def gateway() -> AsyncIterator[FakeAIGateway]:
    async with FakeAIGateway() as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as shared:
        yield shared


@pytest.fixture
def sleeps() -> list[float]:
    """Delays the retry policy asked for (recorded instead of slept)."""
    return []


@pytest.fixture
def make_policy(sleeps: list[float]) -> Callable[..., RetryPolicy]:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    def make(**kwargs: object) -> RetryPolicy:
        return RetryPolicy(**{"base_delay": 0.01, "max_delay": 0.05, "sleep": record, **kwargs})  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_client(
    session: aiohttp.ClientSession, gateway: FakeAIGateway, make_policy: Callable[..., RetryPolicy]
) -> Callable[..., GatewayClient]:
    def make(**kwargs: object) -> GatewayClient:
        options: dict[str, object] = {"app_url": APP_URL, "retry": make_policy(), **kwargs}
        return GatewayClient(session, gateway.base_url, SecretStr(API_KEY), **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def client(make_client: Callable[..., GatewayClient]) -> GatewayClient:
    return make_client()
