"""Identity, gateway discovery and application commands: what a bot calls while starting up."""

from __future__ import annotations

from aiohttp import web

from tests.fakes.discord_api._records import Route, record_of
from tests.fakes.discord_api._rules import (
    API_PREFIX,
    JSON,
    DiscordError,
    FormErrors,
    json_response,
    validate_commands,
)
from tests.fakes.payloads import FakeWorld


class ApplicationRoutes:
    """``/users``, ``/oauth2/applications/@me``, ``/gateway[/bot]`` and ``/applications/{id}/…commands``."""

    world: FakeWorld
    commands: dict[int | None, list[JSON]]
    gateway_url: str
    shard_count: int

    def command_id(self, name: str, guild_id: int | None = None) -> tuple[int, int | None] | None:
        """Return ``(id, guild_id)`` of a registered command: the guild's first, then global."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return int(command["id"]), scope
        return None

    def _application_routes(self) -> list[Route]:
        commands = API_PREFIX + r"/applications/{application_id:\d+}/commands"
        guild_commands = API_PREFIX + r"/applications/{application_id:\d+}/guilds/{guild_id:\d+}/commands"
        return [
            ("GET", API_PREFIX + "/users/@me", self._get_me, "get_me"),
            ("GET", API_PREFIX + r"/users/{user_id:\d+}", self._get_user, "get_user"),
            ("GET", API_PREFIX + "/oauth2/applications/@me", self._get_application, "get_application"),
            ("GET", API_PREFIX + "/gateway/bot", self._get_gateway_bot, "get_gateway_bot"),
            ("GET", API_PREFIX + "/gateway", self._get_gateway, "get_gateway"),
            ("PUT", commands, self._put_commands, "put_commands"),
            ("GET", commands, self._get_commands, "get_commands"),
            ("PUT", guild_commands, self._put_commands, "put_guild_commands"),
            ("GET", guild_commands, self._get_commands, "get_guild_commands"),
        ]

    # -- identity and gateway --------------------------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        me = {
            **self.world.bot_user.to_payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }
        return json_response(me)

    async def _get_user(self, request: web.Request) -> web.Response:
        user_id = int(request.match_info["user_id"])
        for user in self.world.users():
            if user.id == user_id:
                return json_response(user.to_payload())
        raise DiscordError(404, 10013, "Unknown User")

    async def _get_application(self, request: web.Request) -> web.Response:
        world = self.world
        return json_response(
            {
                "id": str(world.application_id),
                "name": world.application_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": world.application_flags,
                "owner": world.owner.to_payload(),
                "team": None,
                "bot": world.bot_user.to_payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    # -- commands --------------------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        """Check the application id of a commands route; return its guild id (``None``: global)."""
        if int(request.match_info["application_id"]) != self.world.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        return int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        if guild_id is not None and self.world.get_guild(guild_id) is None:
            raise DiscordError(403, 50001, "Missing Access")
        body = record_of(request).json
        if not isinstance(body, list):
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]},
            )
        errors = FormErrors()
        validate_commands(body, errors)
        errors.raise_if_any()
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.commands.get(guild_id, [])}
        stored = []
        for command in body:
            kind = command.get("type", 1)
            item = {
                "id": previous.get((command["name"], kind)) or str(self.world.snowflakes()),
                "application_id": str(self.world.application_id),
                "version": str(self.world.snowflakes()),
                "type": kind,
                "description": command.get("description", ""),
                "default_member_permissions": command.get("default_member_permissions"),
                "nsfw": command.get("nsfw", False),
                "options": command.get("options", []),
                **{k: v for k, v in command.items() if k not in ("id", "application_id", "version")},
            }
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            stored.append(item)
        self.commands[guild_id] = stored
        return json_response(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.commands.get(self._command_scope(request), []))
