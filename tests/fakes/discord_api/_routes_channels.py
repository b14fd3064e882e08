"""Channel endpoints (send, typing, get/edit/delete a message) and the CDN that serves uploads.

Channel messages parse every mention kind unless ``allowed_mentions`` says otherwise, may reply to
a visible message, and never see ephemeral ones; uploads are limited by the guild's boost tier.
"""

from __future__ import annotations

from aiohttp import web

from tests.fakes.discord_api._messages import MessageStore
from tests.fakes.discord_api._records import FakeMessage, Route, json_body, record_of
from tests.fakes.discord_api._rules import (
    API_PREFIX,
    EPHEMERAL,
    GUILD_TIER_UPLOAD_LIMITS,
    DiscordError,
    FormErrors,
    json_response,
)
from tests.fakes.payloads import DEFAULT_UPLOAD_LIMIT, VIEW_AND_HISTORY

#: Channel messages parse users, roles and @everyone unless ``allowed_mentions`` says otherwise.
_ALL_MENTIONS = ("users", "roles", "everyone")


class ChannelRoutes(MessageStore):
    """``/channels/{id}…`` and ``/cdn|media/attachments/…``."""

    def _channel_routes(self) -> list[Route]:
        channel = API_PREFIX + r"/channels/{channel_id:\d+}"
        message = channel + r"/messages/{message_id:\d+}"
        routes: list[Route] = [
            ("POST", channel + "/messages", self._channel_send, "channel_send"),
            ("POST", channel + "/typing", self._typing, "typing"),
            ("GET", channel, self._get_channel, "get_channel"),
            ("GET", message, self._channel_get_message, "channel_get_message"),
            ("PATCH", message, self._channel_edit_message, "channel_edit_message"),
            ("DELETE", message, self._channel_delete_message, "channel_delete_message"),
        ]
        cdn = r"/attachments/{channel_id:\d+}/{attachment_id:\d+}/{filename}"
        routes += [("GET", f"/{host}{cdn}", self._cdn_get, f"{host}_attachment") for host in ("cdn", "media")]
        return routes

    def _channel(self, request: web.Request) -> tuple[int, int | None]:
        channel_id = int(request.match_info["channel_id"])
        channel = self.world.get_channel(channel_id)
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel_id, channel.guild_id

    def _channel_upload_limit(self, guild_id: int | None) -> int:
        guild = self.world.get_guild(guild_id) if guild_id else None
        tier = guild.premium_tier if guild else 0
        return GUILD_TIER_UPLOAD_LIMITS.get(tier, DEFAULT_UPLOAD_LIMIT)

    async def _channel_send(self, request: web.Request) -> web.Response:
        channel_id, guild_id = self._channel(request)
        files = record_of(request).files
        data = json_body(request)
        self._check_message(data, files, self._channel_upload_limit(guild_id), create=True)
        reference = data.get("message_reference")
        replied_author: int | None = None
        if reference is not None:
            target = self.messages.get(int(reference.get("message_id", 0)))
            if target is None or target.deleted or target.channel_id != channel_id or target.ephemeral:
                if reference.get("fail_if_not_exists", True):
                    errors = FormErrors()
                    errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    errors.raise_if_any()
                reference = None
            else:
                replied_author = int(target.author["id"])
                reference = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(channel_id),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                }
        message = FakeMessage(
            id=self.world.snowflakes(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=self.world.bot_user.to_payload(),
            type=19 if reference else 0,
            message_reference=reference,
        )
        self._apply_edit(
            message, data, files, default_parse=_ALL_MENTIONS, creating=True, replied_author=replied_author
        )
        message.flags = int(data.get("flags", 0)) & ~EPHEMERAL
        self.messages[message.id] = message
        return json_response(self.message_payload(message))

    async def _typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id, _ = self._channel(request)
        channel = self.world.get_channel(channel_id)
        assert channel is not None
        return json_response(channel.to_payload())

    def _channel_message(self, request: web.Request) -> FakeMessage:
        channel_id, _ = self._channel(request)
        message = self.messages.get(int(request.match_info["message_id"]))
        # Ephemeral messages exist only for their interaction: channel endpoints cannot see them.
        if message is None or message.deleted or message.channel_id != channel_id or message.ephemeral:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _channel_get_message(self, request: web.Request) -> web.Response:
        channel = self.world.get_channel(int(request.match_info["channel_id"]))
        guild = self.world.get_guild(channel.guild_id) if channel and channel.guild_id else None
        if channel is not None and guild is not None:
            bot_id = self.world.bot_user.id
            if guild.member(bot_id) is None:
                raise DiscordError(403, 50001, "Missing Access")
            seen = guild.permissions_in(channel, bot_id)
            if seen & VIEW_AND_HISTORY != VIEW_AND_HISTORY:
                raise DiscordError(403, 50001, "Missing Access")
        message = self._channel_message(request)
        payload = self.message_payload(message)
        if not self._shows_content(message):
            # Without the Message Content intent the API empties these fields (REST as well as gateway).
            payload.update(content="", embeds=[], attachments=[], components=[])
        return json_response(payload)

    def _shows_content(self, message: FakeMessage) -> bool:
        """Discord's Message Content rule: the app's own messages, DMs and mentions of it always show."""
        bot_id = self.world.bot_user.id
        return (
            self.world.sees_message_content
            or message.guild_id is None
            or int(message.author["id"]) == bot_id
            or bot_id in message.mention_user_ids
        )

    async def _channel_edit_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if int(message.author["id"]) != self.world.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        files = record_of(request).files
        data = json_body(request)
        self._check_message(data, files, self._channel_upload_limit(message.guild_id), create=False)
        self._apply_edit(message, data, files, default_parse=_ALL_MENTIONS)
        return json_response(self.message_payload(message))

    async def _channel_delete_message(self, request: web.Request) -> web.Response:
        self._channel_message(request).deleted = True
        return web.Response(status=204)

    async def _cdn_get(self, request: web.Request) -> web.Response:
        attachment = self._cdn.get(int(request.match_info["attachment_id"]))
        if (
            attachment is None
            or attachment.data is None
            or attachment.filename != request.match_info["filename"]
        ):
            return web.Response(status=404, text="Not Found")
        return web.Response(body=attachment.data, headers={"Content-Type": attachment.content_type})
