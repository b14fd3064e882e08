"""Fixtures that run the REAL `ImageBot` (cogs, tree, services) against the fakes on 127.0.0.1.

`BotEnv` bundles the fake Discord, the fake AI gateway and the bot; `bot_env.restart()` closes
the bot and starts a fresh one on the same database (restart-proofness).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.discord.app import ImageBot
from bot.discord.flows import progress
from bot.discord.runner import build_bot
from bot.settings import Settings
from bot.storage import Store
from tests.bot.harness import BotHarness
from tests.fakes.ai_gateway import FakeAIGateway
from tests.fakes.fake_discord import FakeDiscord


class BotEnv:
    """The bot under test with its fakes; see module docstring."""

    def __init__(
        self, tmp_path: Path, ai: FakeAIGateway, discord_fake: FakeDiscord | None = None, **settings: Any
    ) -> None:
        self.tmp_path = tmp_path
        self.ai = ai
        self.discord = discord_fake
        self._owned_fake: FakeDiscord | None = None
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

    async def start(self) -> BotEnv:
        """Build and start a bot on this environment's database, against the same fakes."""
        stack = contextlib.AsyncExitStack()
        settings = self.settings()
        session = await stack.enter_async_context(aiohttp.ClientSession())
        store = await Store.open(
            settings.database_url, db_timeout=settings.database_timeout, redis_timeout=settings.redis_timeout
        )
        stack.push_async_callback(store.close)
        bot = await build_bot(settings, session, store)
        stack.push_async_callback(bot.generation.limits.close)
        await bot.catalog.refresh()  # autocomplete and defaults need the catalogue (as at start-up)
        if self.discord is None:  # no fake given: own one, kept across restarts
            self._owned_fake = self.discord = FakeDiscord()
            await self._owned_fake.start()
        self.harness = await stack.enter_async_context(
            BotHarness(bot, fake=self.discord, token=_token(settings))
        )
        self._stack = stack
        return self

    async def ai_request(self, path_suffix: str, *, timeout: float = 10.0) -> Any:  # noqa: ASYNC109
        """The next request the fake AI gateway got on a path ending with `path_suffix`."""
        async with asyncio.timeout(timeout):
            while True:
                request = await self.ai.next_request()
                if request.path.endswith(path_suffix):
                    return request

    async def stop(self, *, keep_fake: bool = False) -> None:
        """Close the bot (and the fake Discord this environment started, unless `keep_fake`)."""
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()
        if self._owned_fake is not None and not keep_fake:
            owned, self._owned_fake = self._owned_fake, None
            self.discord = None
            await owned.close()

    async def restart(self, *, fake: FakeDiscord | None = None, **settings: Any) -> BotEnv:
        """Close the bot and start a fresh one (same database, same fake Discord world).

        Args:
            fake: Another fake Discord to connect to (default: the same one).
            **settings: Settings overrides for the new bot (e.g. `dev_guild_id`).
        """
        await self.stop(keep_fake=True)
        if fake is not None:
            self.discord = fake
        self.settings_overrides.update(settings)
        return await self.start()


def _token(settings: Settings) -> str:
    assert settings.discord_token is not None
    return settings.discord_token.get_secret_value()


@pytest.fixture
async def ai_gateway() -> AsyncIterator[FakeAIGateway]:
    """The fake AI gateway."""
    async with FakeAIGateway() as fake:
        yield fake


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    """The fake Discord (REST + gateway + CDN), kept across bot restarts within a test."""
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def bot_env(
    tmp_path: Path, ai_gateway: FakeAIGateway, discord_fake: FakeDiscord
) -> AsyncIterator[BotEnv]:
    """A running `ImageBot` against the fake Discord and fake AI gateway."""
    env = BotEnv(tmp_path, ai_gateway, discord_fake)
    await env.start()
    try:
        yield env
    finally:
        await env.stop()


@pytest.fixture
async def start_bot(
    tmp_path: Path, ai_gateway: FakeAIGateway, discord_fake: FakeDiscord
) -> AsyncIterator[Callable[..., Awaitable[BotEnv]]]:
    """Start a bot with settings overrides (e.g. `max_concurrent_jobs=1`); stopped after the test."""
    started: list[BotEnv] = []

    async def start(**settings: Any) -> BotEnv:
        env = BotEnv(tmp_path, ai_gateway, discord_fake, **settings)
        started.append(env)
        return await env.start()

    yield start
    for env in reversed(started):
        await env.stop()


@pytest.fixture
async def one_slot(start_bot: Callable[..., Awaitable[BotEnv]]) -> BotEnv:
    """The bot running one generation at a time (`MAX_CONCURRENT_JOBS=1`), so jobs queue."""
    return await start_bot(max_concurrent_jobs=1)


@pytest.fixture
def prompt_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress edits without the first-edit delay: for tests about the progress text itself."""
    monkeypatch.setattr(progress, "FIRST_EDIT_DELAY", 0.0)
