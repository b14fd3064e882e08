"""The fake Discord's world: application, bot user, guilds, channels, roles, members, snowflakes.

A :class:`FakeWorld` holds what the fake gateway announces (READY/GUILD_CREATE) and the fake REST
API serves; each object renders itself as Discord's JSON with ``to_payload()``. Snowflakes come
from a counter: no randomness.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import discord

DISCORD_EPOCH_MS: Final = 1_420_070_400_000
DEFAULT_UPLOAD_LIMIT: Final = 10 * 1024 * 1024

MANAGE_GUILD: Final = 1 << 5
#: @everyone in a fresh server: view, send, embed, attach, history, reactions, app commands.
EVERYONE_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_application_commands=True,
    use_external_emojis=True,
).value
BOT_PERMISSIONS: Final = EVERYONE_PERMISSIONS | discord.Permissions(manage_messages=True).value
ALL_PERMISSIONS: Final = discord.Permissions.all().value
VIEW_AND_HISTORY: Final = discord.Permissions(view_channel=True, read_message_history=True).value
#: Application flags: the Message Content intent turned on in the Developer Portal (large / small apps).
MESSAGE_CONTENT_FLAGS: Final = (1 << 18) | (1 << 19)


class Snowflakes:
    """Counter-based snowflake generator.

    Each id has its own millisecond so ids spread over shards (``(id >> 22) % shard_count``).
    """

    def __init__(self, start: int = 1) -> None:
        """Create a generator whose first id uses counter value ``start``."""
        self._counter = itertools.count(start)
        self._last_ms = 0

    def __call__(self, *, age_seconds: float = 0.0) -> int:
        """Return the next snowflake, timestamped now (minus ``age_seconds``).

        discord.py derives `Interaction.created_at`/`expires_at` from the id, so ids carry the
        current time; each id still gets its own millisecond (shard spread, uniqueness).
        """
        n = next(self._counter)
        now_ms = int(time.time() * 1000)
        self._last_ms = max(now_ms, self._last_ms + 1)
        stamp = self._last_ms - int(age_seconds * 1000)
        return ((stamp - DISCORD_EPOCH_MS) << 22) | (n & 0xFFF)


def iso_now() -> str:
    """Return the current UTC time in Discord's ISO 8601 format."""
    return datetime.datetime.now(datetime.UTC).isoformat()


@dataclass
class FakeUser:
    """A Discord user."""

    id: int
    username: str
    bot: bool = False

    def to_payload(self) -> dict[str, Any]:
        """Return the user object as Discord sends it."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": None if self.bot else self.username.title(),
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    """A guild role."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def to_payload(self) -> dict[str, Any]:
        """Return the role object as Discord sends it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild text channel (``type`` 0) or a DM channel (``type`` 1)."""

    id: int
    name: str
    guild_id: int | None
    nsfw: bool = False
    type: int = 0
    position: int = 0
    #: Permission overwrites as Discord sends them: ``{"id", "type" (0 role, 1 member), "allow", "deny"}``.
    overwrites: list[dict[str, Any]] = field(default_factory=list)

    def deny(self, target_id: int, permissions: int, *, member: bool = False) -> None:
        """Add an overwrite denying ``permissions`` to a role (or a member) in this channel."""
        self.overwrites.append(
            {"id": str(target_id), "type": 1 if member else 0, "allow": "0", "deny": str(permissions)}
        )

    def allow(self, target_id: int, permissions: int, *, member: bool = False) -> None:
        """Add an overwrite allowing ``permissions`` to a role (or a member) in this channel."""
        self.overwrites.append(
            {"id": str(target_id), "type": 1 if member else 0, "allow": str(permissions), "deny": "0"}
        )

    def to_payload(self) -> dict[str, Any]:
        """Return the full channel object (GUILD_CREATE, ``GET /channels/{id}``)."""
        if self.guild_id is None:
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": None,
                "flags": 0,
                "recipients": [],
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [dict(o) for o in self.overwrites],
            "nsfw": self.nsfw,
            "topic": None,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A guild member: a user plus role ids."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    joined_at: str = "2025-01-01T00:00:00+00:00"

    def to_payload(self, permissions: int | None = None) -> dict[str, Any]:
        """Return the member object; ``permissions`` is set only inside interactions."""
        data: dict[str, Any] = {
            "user": self.user.to_payload(),
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members."""

    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    premium_tier: int = 0
    locale: str = "en-US"

    def member(self, user_id: int) -> FakeMember | None:
        """Return the member with ``user_id``, if any."""
        return next((m for m in self.members if m.user.id == user_id), None)

    def permissions_for(self, user_id: int) -> int:
        """Compute a member's guild permissions from @everyone and their roles."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.member(user_id)
        role_ids = {self.id, *(member.roles if member else [])}
        value = 0
        for role in self.roles:
            if role.id in role_ids:
                value |= role.permissions
        if value & discord.Permissions(administrator=True).value:
            return ALL_PERMISSIONS
        return value

    def permissions_in(self, channel: FakeChannel, user_id: int) -> int:
        """A member's permissions in ``channel``: @everyone, then role, then member overwrites."""
        value = self.permissions_for(user_id)
        if value == ALL_PERMISSIONS:
            return value
        member = self.member(user_id)
        roles = {str(r) for r in (member.roles if member else [])}
        by_id = {(o["type"], o["id"]): o for o in channel.overwrites}
        everyone = by_id.get((0, str(self.id)))
        if everyone:
            value = (value & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for o in channel.overwrites:
            if o["type"] == 0 and o["id"] in roles:
                allow, deny = allow | int(o["allow"]), deny | int(o["deny"])
        value = (value & ~deny) | allow
        own = by_id.get((1, str(user_id)))
        if own:
            value = (value & ~int(own["deny"])) | int(own["allow"])
        return value

    def to_payload(self) -> dict[str, Any]:
        """Return the GUILD_CREATE payload."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": self.premium_tier,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "features": [],
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "premium_progress_bar_enabled": False,
            "application_id": None,
            "joined_at": "2025-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members),
            "roles": [r.to_payload() for r in self.roles],
            "channels": [c.to_payload() for c in self.channels],
            "members": [m.to_payload() for m in self.members],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "emojis": [],
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class FakeWorld:
    """Everything the fake Discord knows about: the application, bot user, guilds and users."""

    snowflakes: Snowflakes
    application_id: int
    bot_user: FakeUser
    owner: FakeUser
    guilds: list[FakeGuild]
    application_name: str = "Fake Image Bot"
    #: READY's and ``GET /oauth2/applications/@me``'s flags. 0: the Message Content intent is off
    #: (the bot's documented setup), so the API empties other members' message attachments.
    application_flags: int = 0

    @property
    def sees_message_content(self) -> bool:
        """Whether the application has the Message Content intent (either flag)."""
        return bool(self.application_flags & MESSAGE_CONTENT_FLAGS)

    @classmethod
    def default(cls) -> FakeWorld:
        """Build one guild with #general, an age-restricted #nsfw, a Moderator role and four members.

        Members: ``owner`` (guild owner), ``alice`` (no special permissions), ``mod`` (Manage
        Server via the Moderator role) and the bot itself.
        """
        ids = Snowflakes()
        application_id = ids()
        bot_user = FakeUser(application_id, "imagebot", bot=True)
        owner = FakeUser(ids(), "owner")
        alice = FakeUser(ids(), "alice")
        mod = FakeUser(ids(), "mod")
        guild_id = ids()
        moderator_role = FakeRole(ids(), "Moderator", EVERYONE_PERMISSIONS | MANAGE_GUILD, position=2)
        bot_role = FakeRole(ids(), "imagebot", BOT_PERMISSIONS, position=1, managed=True)
        guild = FakeGuild(
            id=guild_id,
            name="Fake Guild",
            owner_id=owner.id,
            roles=[FakeRole(guild_id, "@everyone", EVERYONE_PERMISSIONS), moderator_role, bot_role],
            channels=[
                FakeChannel(ids(), "general", guild_id, position=0),
                FakeChannel(ids(), "nsfw", guild_id, nsfw=True, position=1),
                FakeChannel(ids(), "bot-log", guild_id, position=2),
            ],
            members=[
                FakeMember(owner),
                FakeMember(alice),
                FakeMember(mod, [moderator_role.id]),
                FakeMember(bot_user, [bot_role.id]),
            ],
        )
        return cls(ids, application_id, bot_user, owner, [guild])

    @property
    def guild(self) -> FakeGuild:
        """The first guild."""
        return self.guilds[0]

    @property
    def general(self) -> FakeChannel:
        """The first guild's #general (not age-restricted)."""
        return self.guild.channels[0]

    @property
    def nsfw_channel(self) -> FakeChannel:
        """The first age-restricted channel of the first guild."""
        return next(c for g in self.guilds for c in g.channels if c.nsfw)

    @property
    def alice(self) -> FakeUser:
        """A member without special permissions."""
        return self.user("alice")

    @property
    def moderator(self) -> FakeUser:
        """A member with Manage Server."""
        return self.user("mod")

    def user(self, username: str) -> FakeUser:
        """Return a known user by name."""
        for user in self.users():
            if user.username == username:
                return user
        raise KeyError(username)

    def users(self) -> Iterable[FakeUser]:
        """Every distinct user in every guild, plus the owner."""
        seen: dict[int, FakeUser] = {self.owner.id: self.owner, self.bot_user.id: self.bot_user}
        for guild in self.guilds:
            for member in guild.members:
                seen.setdefault(member.user.id, member.user)
        return seen.values()

    def get_guild(self, guild_id: int) -> FakeGuild | None:
        """Return a guild by id."""
        return next((g for g in self.guilds if g.id == guild_id), None)

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        """Return a guild channel by id."""
        return next((c for g in self.guilds for c in g.channels if c.id == channel_id), None)

    def add_guild(self, name: str) -> FakeGuild:
        """Create another guild with a #general, owned by the world's owner, the bot a member.

        Call before the bot connects so it gets a GUILD_CREATE.
        """
        guild_id = self.snowflakes()
        bot_role = FakeRole(self.snowflakes(), "imagebot", BOT_PERMISSIONS, position=1, managed=True)
        guild = FakeGuild(
            id=guild_id,
            name=name,
            owner_id=self.owner.id,
            roles=[FakeRole(guild_id, "@everyone", EVERYONE_PERMISSIONS), bot_role],
            channels=[FakeChannel(self.snowflakes(), "general", guild_id)],
            members=[FakeMember(self.owner), FakeMember(self.bot_user, [bot_role.id])],
        )
        self.guilds.append(guild)
        return guild

    def add_channel(self, guild: FakeGuild, name: str, *, nsfw: bool = False) -> FakeChannel:
        """Create a text channel (call before the bot connects so GUILD_CREATE carries it)."""
        channel = FakeChannel(self.snowflakes(), name, guild.id, nsfw=nsfw, position=len(guild.channels))
        guild.channels.append(channel)
        return channel

    def add_member(self, guild: FakeGuild, username: str, *, roles: Sequence[int] = ()) -> FakeUser:
        """Create a user and add them to ``guild``."""
        user = FakeUser(self.snowflakes(), username)
        guild.members.append(FakeMember(user, list(roles)))
        return user
