"""One object for the whole fake Discord: REST API + CDN, gateway, world and payload builders.

Example::

    async with FakeDiscord(interaction_window=0.5) as fake:
        ...  # point discord.py at fake.api_base / fake.gateway_url (tests/bot/harness.py does it)
        state = await fake.dispatch_interaction(fake.payloads.slash("imagine", options={"prompt": "a cat"}))
        request = await fake.api.wait_for(lambda r: r.interaction_id == state.id)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.fakes.discord_api import MAX_REQUEST_BYTES, FakeDiscordAPI, InteractionState
from tests.fakes.discord_gateway import FakeDiscordGateway
from tests.fakes.payloads import FakeWorld, InteractionFactory


class FakeDiscord:
    """Start and stop the fake REST API and gateway together, wired to one :class:`FakeWorld`.

    Args:
        world: Users, guilds and channels (default :meth:`FakeWorld.default`).
        shard_count: Shards advertised by ``GET /gateway/bot`` and required at IDENTIFY.
        interaction_window: Seconds for the first interaction response (Discord: 3).
        token_lifetime: Seconds an interaction token works (Discord: 900).
        max_request_bytes: Largest request body (Discord: 25 MiB).
        too_many_attachments_code: 30015 or 50035 for more than 10 attachments.
        followup_replaces_loading: Whether the first followup after a deferral fills the
            "thinking" message (Discord's live, deprecated behaviour).
        keep_file_bytes: Keep uploaded bytes (turn off for benchmarks).
    """

    def __init__(
        self,
        world: FakeWorld | None = None,
        *,
        shard_count: int = 1,
        interaction_window: float = 3.0,
        token_lifetime: float = 900.0,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        too_many_attachments_code: int = 30015,
        followup_replaces_loading: bool = True,
        keep_file_bytes: bool = True,
    ) -> None:
        """Build the fakes; nothing listens until :meth:`start`."""
        self.world = world or FakeWorld.default()
        self.api = FakeDiscordAPI(
            self.world,
            interaction_window=interaction_window,
            token_lifetime=token_lifetime,
            max_request_bytes=max_request_bytes,
            too_many_attachments_code=too_many_attachments_code,
            followup_replaces_loading=followup_replaces_loading,
            keep_file_bytes=keep_file_bytes,
        )
        self.gateway = FakeDiscordGateway(self.world, shard_count=shard_count)
        self.payloads = InteractionFactory(self.world, command_lookup=self.api.command_id)

    async def start(self) -> None:
        """Listen on 127.0.0.1 (free ports) and wire the gateway to the API."""
        await self.api.start()
        try:
            await self.gateway.start()
        except BaseException:
            await self.api.close()
            raise
        self.api.gateway_url = self.gateway.url
        self.api.shard_count = self.gateway.shard_count
        self.gateway.add_dispatch_hook(self._on_dispatch)

    async def close(self) -> None:
        """Close the gateway connections, then both servers."""
        try:
            await self.gateway.close()
        finally:
            await self.api.close()

    async def __aenter__(self) -> FakeDiscord:
        """Start both fakes."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop both fakes."""
        await self.close()

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return self.api.api_base

    @property
    def gateway_url(self) -> str:
        """The value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return self.gateway.url

    async def dispatch_interaction(self, payload: Mapping[str, Any]) -> InteractionState:
        """Send INTERACTION_CREATE (its 3-second window starts now) and return the fake's state."""
        await self.gateway.dispatch("INTERACTION_CREATE", dict(payload))
        return self.api.interactions[int(payload["id"])]

    def _on_dispatch(self, event: str, data: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            self.api.register_interaction(data)
