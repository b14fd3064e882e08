"""Run a real discord.py bot against the fake Discord (REST + gateway on 127.0.0.1).

Example::

    async with BotHarness(MyBot()) as harness:
        record = await harness.interact(harness.payloads.slash("imagine", options={"prompt": "a cat"}))
        deferral = await record.callback()
        assert deferral.json["type"] == 5
        edit = await record.edit()
        assert len(edit.files) == 4

The harness points ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` at the
fakes (restored on exit), enters the bot (``async with bot``), runs ``bot.start(token)`` as a task,
waits for ``wait_until_ready()`` and, on exit, closes the bot, awaits the task and stops the fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket

from tests.fakes.discord_api import FakeDiscordAPI, FakeMessage, InteractionState, RecordedRequest
from tests.fakes.discord_gateway import FakeDiscordGateway
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.payloads import InteractionFactory


@contextlib.contextmanager
def patched_discord_endpoints(api_base: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the fakes; restore them afterwards.

    ``DEFAULT_GATEWAY`` matters for bots given a ``shard_count`` (they skip ``GET /gateway/bot``)
    and after a non-resumable INVALID_SESSION, where discord.py falls back to it.
    """
    old_base, old_gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


class InteractionRecord:
    """One dispatched interaction and what the bot sent for it.

    Every wait looks at requests recorded from the start, so nothing is missed by awaiting late.
    """

    def __init__(self, fake: FakeDiscord, payload: Mapping[str, Any], state: InteractionState) -> None:
        """Wrap the fake's state for ``payload``."""
        self.fake = fake
        self.payload = dict(payload)
        self.state = state

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.state.id

    @property
    def requests(self) -> list[RecordedRequest]:
        """Callback and webhook requests made for this interaction so far."""
        return [r for r in self.fake.api.requests if r.interaction_id == self.id]

    @property
    def messages(self) -> list[FakeMessage]:
        """The original response (if any) and the followups, without duplicates."""
        found = [self.state.original] if self.state.original else []
        found += [m for m in self.state.followups if m not in found]
        return found

    async def wait_for(
        self,
        predicate: Callable[[RecordedRequest], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  # a per-call deadline is what tests want here
    ) -> RecordedRequest:
        """Return the first request of this interaction matching ``predicate``."""
        return await self.fake.api.wait_for(
            lambda r: r.interaction_id == self.id and predicate(r), timeout=timeout
        )

    async def callback(self, *, timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """Return the first ``POST /interactions/{id}/{token}/callback`` (whatever its status)."""
        return await self.wait_for(lambda r: r.route == "interaction_callback", timeout=timeout)

    async def edit(self, n: int = 1, *, timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """Return the ``n``-th ``PATCH .../messages/@original``."""
        return await self._nth("webhook_edit_original", n, timeout)

    async def followup(self, n: int = 1, *, timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """Return the ``n``-th followup ``POST /webhooks/{app}/{token}``."""
        return await self._nth("webhook_execute", n, timeout)

    async def wait_message(
        self,
        predicate: Callable[[FakeMessage], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109  # a per-call deadline is what tests want here
    ) -> FakeMessage:
        """Return the first message of this interaction matching ``predicate`` (re-checked per request)."""

        def find() -> FakeMessage | None:
            return next((m for m in self.messages if predicate(m)), None)

        return await self.fake.api.wait_until(find, timeout=timeout, what=f"message of interaction {self.id}")

    def click(self, custom_id: str, **kwargs: Any) -> dict[str, Any]:
        """Build a component interaction on this interaction's original message."""
        original = self.state.original
        if original is None:
            raise AssertionError("the interaction has no original response message yet")
        message = self.fake.api.message_payload(original)
        return dict(self.fake.payloads.component(custom_id, message=message, **kwargs))

    def submit_modal(self, values: Mapping[str, str], **kwargs: Any) -> dict[str, Any]:
        """Build the modal submit answering the modal this interaction opened (callback type 9)."""
        modal = self.state.modal
        if modal is None:
            raise AssertionError("the interaction did not open a modal")
        return dict(
            self.fake.payloads.modal_submit(
                modal["custom_id"], values, modal_components=modal["components"], **kwargs
            )
        )

    async def _nth(self, route: str, n: int, within: float) -> RecordedRequest:
        def find() -> RecordedRequest | None:
            matching = [r for r in self.requests if r.route == route]
            return matching[n - 1] if len(matching) >= n else None

        return await self.fake.api.wait_until(
            find, timeout=within, what=f"{route} #{n} of interaction {self.id}"
        )


class BotHarness:
    """Async context manager running ``bot`` against a :class:`FakeDiscord`.

    Args:
        bot: A fresh, not yet started client (``commands.AutoShardedBot`` or any ``discord.Client``).
        fake: A started fake to reuse; by default the harness starts (and stops) its own.
        token: The token passed to ``bot.start``.
        ready_timeout: Seconds to wait for ``wait_until_ready()``.
        guild_ready_timeout: Overrides discord.py's 2-second wait after the last GUILD_CREATE
            before ``on_ready`` (``None`` keeps the bot's own setting). It is private state of
            discord.py 2.7 (``bot._connection``); bots can pass ``guild_ready_timeout=`` instead.
        **fake_options: Passed to :class:`FakeDiscord` when the harness creates it.
    """

    def __init__(
        self,
        bot: discord.Client,
        fake: FakeDiscord | None = None,
        *,
        token: str = "t",
        ready_timeout: float = 10.0,
        guild_ready_timeout: float | None = 0.05,
        **fake_options: Any,
    ) -> None:
        """Prepare; nothing starts before ``async with``."""
        if fake is not None and fake_options:
            raise TypeError("pass options to the FakeDiscord you give, not to the harness")
        self.bot = bot
        self._given_fake = fake
        self._fake_options = fake_options
        self.token = token
        self.ready_timeout = ready_timeout
        self.guild_ready_timeout = guild_ready_timeout
        self._stack = contextlib.AsyncExitStack()
        self._task: asyncio.Task[None] | None = None
        self._start_failed = False
        self._fake: FakeDiscord | None = fake

    @property
    def fake(self) -> FakeDiscord:
        """The running fake Discord."""
        if self._fake is None:
            raise RuntimeError("the harness is not running")
        return self._fake

    @property
    def api(self) -> FakeDiscordAPI:
        """The fake REST API."""
        return self.fake.api

    @property
    def gateway(self) -> FakeDiscordGateway:
        """The fake gateway."""
        return self.fake.gateway

    @property
    def payloads(self) -> InteractionFactory:
        """Interaction payload builders bound to the fake's world and registered commands."""
        return self.fake.payloads

    async def __aenter__(self) -> BotHarness:
        """Start the fakes and the bot; return once the bot is ready."""
        try:
            if self._given_fake is None:
                self._fake = await self._stack.enter_async_context(FakeDiscord(**self._fake_options))
            self._stack.enter_context(patched_discord_endpoints(self.fake.api_base, self.fake.gateway_url))
            if self.guild_ready_timeout is not None:
                self.bot._connection.guild_ready_timeout = self.guild_ready_timeout
            # ``async with bot`` runs discord.py's loop set-up; its exit closes the bot.
            await self._stack.enter_async_context(self.bot)
            self._stack.push_async_callback(self._stop_bot)
            self._task = asyncio.create_task(self.bot.start(self.token), name="harness: bot.start")
            await self._wait_ready()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the bot, await its task, restore discord.py and stop the fakes."""
        await self._stack.aclose()

    async def interact(self, payload: Mapping[str, Any]) -> InteractionRecord:
        """Dispatch INTERACTION_CREATE to the owning shard and return its record."""
        state = await self.fake.dispatch_interaction(payload)
        return InteractionRecord(self.fake, payload, state)

    async def _wait_ready(self) -> None:
        assert self._task is not None
        ready = asyncio.create_task(self.bot.wait_until_ready(), name="harness: wait_until_ready")
        try:
            async with asyncio.timeout(self.ready_timeout):
                done, _ = await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            raise TimeoutError(f"the bot was not ready within {self.ready_timeout}s") from None
        finally:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
        if self._task in done:
            self._start_failed = True
            raise RuntimeError("bot.start() ended before the bot was ready") from self._task.exception()
        missing = [g.id for g in self.fake.world.guilds if self.bot.get_guild(g.id) is None]
        if missing:
            raise RuntimeError(f"ready without guilds {missing}: raise guild_ready_timeout")

    async def _stop_bot(self) -> None:
        await self.bot.close()
        task = self._task
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=10)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise TimeoutError("bot.start() did not return within 10 s of bot.close()")
            error = None if task.cancelled() else task.exception()
            if error is not None and not self._start_failed:
                raise RuntimeError("bot.start() failed while the harness was running") from error
        fake_errors = self.fake.api.internal_errors + self.fake.gateway.internal_errors
        if fake_errors:
            raise AssertionError(f"the fake Discord raised: {fake_errors!r}") from fake_errors[0]
        api = self.fake.api
        if api.schema_violations and not api.expect_schema_violations:
            broken = "\n  ".join(f"{r.method} {r.path} -> {r.response}" for r in api.schema_violations)
            raise AssertionError(f"the bot sent bodies that break Discord's OpenAPI schema:\n  {broken}")
