"""Fixtures that run the REAL `ImageBot` (cogs, tree, services) against the fakes on 127.0.0.1.

`BotEnv` bundles the fake Discord, the fake AI gateway and the bot; `bot_env.restart()` closes
the bot and starts a fresh one on the same database (restart-proofness).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import ImageBot
from bot.runner import build_bot
from bot.settings import Settings
from bot.storage import Store
from tests.bot.harness import BotHarness
from tests.fakes.ai_gateway import FakeAIGateway


class BotEnv:
    """The bot under test with its fakes; see module docstring."""

    def __init__(self, tmp_path: Path, ai: FakeAIGateway, **settings: Any) -> None:
        self.tmp_path = tmp_path
        self.ai = ai
        self.settings_overrides = settings
        self.harness: BotHarness | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "discord_token": "fake-discord-token",
            "ai_gateway_api_key": "sk-fake-gateway-key-0123456789",
            "ai_gateway_base_url": self.ai.base_url,
            "database_url": f"sqlite+aiosqlite:///{self.tmp_path / 'bot.sqlite3'}",
        }
        values.update(self.settings_overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    @property
    def bot(self) -> ImageBot:
        assert self.harness is not None
        return self.harness.bot  # type: ignore[return-value]

    @property
    def h(self) -> BotHarness:
        assert self.harness is not None
        return self.harness

    async def start(self, **fake_options: Any) -> BotEnv:
        stack = contextlib.AsyncExitStack()
        settings = self.settings()
        session = await stack.enter_async_context(aiohttp.ClientSession())
        store = await Store.open(settings.database_url)
        stack.push_async_callback(store.close)
        bot = await build_bot(settings, session, store)
        stack.push_async_callback(bot.generation.limits.close)
        await bot.catalog.refresh()  # autocomplete and defaults need the catalogue (as at start-up)
        self.harness = await stack.enter_async_context(BotHarness(bot, **fake_options))
        self._stack = stack
        return self

    async def ai_request(self, path_suffix: str, *, timeout: float = 10.0) -> Any:  # noqa: ASYNC109
        """The next request the fake AI gateway got on a path ending with `path_suffix`."""
        async with asyncio.timeout(timeout):
            while True:
                request = await self.ai.next_request()
                if request.path.endswith(path_suffix):
                    return request

    async def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    async def restart(self, **fake_options: Any) -> BotEnv:
        await self.stop()
        return await self.start(**fake_options)


@pytest.fixture
async def ai_gateway() -> AsyncIterator[FakeAIGateway]:
    """The fake AI gateway."""
    async with FakeAIGateway() as fake:
        yield fake


@pytest.fixture
async def bot_env(tmp_path: Path, ai_gateway: FakeAIGateway) -> AsyncIterator[BotEnv]:
    """A running `ImageBot` against the fake Discord and fake AI gateway."""
    env = BotEnv(tmp_path, ai_gateway)
    await env.start()
    try:
        yield env
    finally:
        await env.stop()
