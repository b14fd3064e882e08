"""Deterministic Discord objects and interaction payloads for the fake Discord.

A :class:`FakeWorld` holds the application, the bot user, guilds, channels, roles and members that
the fake gateway announces (READY/GUILD_CREATE) and the fake REST API serves. An
:class:`InteractionFactory` builds ``INTERACTION_CREATE`` payloads typed with
``discord.types.interactions`` for slash commands (options, sub-command groups, attachments),
autocomplete, component clicks and modal submits. Snowflakes come from a counter: no randomness.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

import discord

if TYPE_CHECKING:
    # Imported for typing only: importing discord.types.interactions first at runtime trips a
    # circular import inside discord.types.
    from discord.types.interactions import (
        ApplicationCommandInteraction,
        MessageComponentInteraction,
        ModalSubmitInteraction,
    )

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

CommandLookup = Callable[[str, int | None], tuple[int, int | None] | None]


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
            "permission_overwrites": [],
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


@dataclass(frozen=True)
class Opt:
    """An explicitly typed option value (``type`` is Discord's option type, e.g. 6 for USER)."""

    type: int
    value: Any


#: What :meth:`InteractionFactory.slash` accepts as an option value.
OptionValue = str | int | float | bool | dict[str, Any] | FakeUser | FakeChannel | FakeRole | Opt


def attachment_payload(
    attachment_id: int,
    filename: str,
    size: int,
    url: str,
    *,
    content_type: str | None = None,
    proxy_url: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, Any]:
    """Return an attachment object (as in ``resolved.attachments``)."""
    data: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": proxy_url or url,
    }
    if content_type:
        data["content_type"] = content_type
    if width is not None and height is not None:
        data["width"], data["height"] = width, height
    return data


class InteractionFactory:
    """Build ``INTERACTION_CREATE`` payloads against a :class:`FakeWorld`.

    Args:
        world: The world whose users, guilds and channels the payloads reference.
        command_lookup: ``(name, guild_id) -> (command_id, command_guild_id)`` of a command the bot
            registered (the fake API provides one); unregistered names get a fresh id.
    """

    def __init__(self, world: FakeWorld, command_lookup: CommandLookup | None = None) -> None:
        """Bind the factory to a world."""
        self.world = world
        self._command_lookup = command_lookup

    # -- public builders -------------------------------------------------------------------

    def slash(
        self,
        *path: str,
        options: Mapping[str, OptionValue] | None = None,
        focused: str | None = None,
        user: FakeUser | None = None,
        guild: FakeGuild | bool | None = True,
        channel: FakeChannel | None = None,
        permissions: int | None = None,
        app_permissions: int = BOT_PERMISSIONS,
        attachment_size_limit: int = DEFAULT_UPLOAD_LIMIT,
        locale: str = "en-US",
        command_id: int | None = None,
    ) -> ApplicationCommandInteraction:
        """Build a chat-input command interaction (type 2, or 4 with ``focused``).

        Args:
            *path: Command name, then sub-command group and/or sub-command
                (``slash("config", "set", "model", ...)``).
            options: Option values; the Discord type is inferred (bool 5, int 4, float 10, str 3,
                attachment dict 11, FakeUser 6, FakeChannel 7, FakeRole 8) or given with :class:`Opt`.
            focused: Name of the option being typed (autocomplete, interaction type 4).
            user: The invoking user (default ``alice``).
            guild: The guild (default: the first one); ``None`` or ``False`` for a DM.
            channel: The channel (default: the guild's #general).
            permissions: Override the member's computed permissions (e.g. ``MANAGE_GUILD``).
            app_permissions: The bot's permissions in the channel.
            attachment_size_limit: Per-file upload limit the bot must respect.
            locale: The user's locale.
            command_id: Command id; default from ``command_lookup`` or a fresh snowflake.

        Returns:
            The interaction payload.
        """
        if not path:
            raise ValueError("slash() needs at least the command name")
        resolved: dict[str, dict[str, Any]] = {}
        leaf = [
            self._option(name, value, resolved, focused=name == focused)
            for name, value in (options or {}).items()
        ]
        if focused is not None and focused not in (options or {}):
            raise ValueError(f"focused option {focused!r} is not in options")
        nested: list[dict[str, Any]] = leaf
        for depth, name in reversed(list(enumerate(path[1:], start=1))):
            # Innermost name is a sub-command (type 1); a name above it is a group (type 2).
            kind = 1 if depth == len(path) - 1 else 2
            nested = [{"type": kind, "name": name, "options": nested}]
        base = self._base(
            4 if focused else 2,
            user,
            guild,
            channel,
            permissions,
            app_permissions,
            attachment_size_limit,
            locale,
        )
        cmd_id, cmd_guild = self._resolve_command(path[0], base.get("guild_id"), command_id)
        data: dict[str, Any] = {"id": str(cmd_id), "name": path[0], "type": 1, "options": nested}
        if resolved:
            data["resolved"] = resolved
        if cmd_guild is not None:
            data["guild_id"] = str(cmd_guild)
        base["data"] = data
        return cast("ApplicationCommandInteraction", base)

    def autocomplete(
        self, *path: str, focused: str, options: Mapping[str, OptionValue], **kwargs: Any
    ) -> ApplicationCommandInteraction:
        """Build an autocomplete interaction (type 4); ``options[focused]`` is the partial input."""
        return self.slash(*path, options=options, focused=focused, **kwargs)

    def component(
        self,
        custom_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        user: FakeUser | None = None,
        guild: FakeGuild | bool | None = True,
        channel: FakeChannel | None = None,
        permissions: int | None = None,
        app_permissions: int = BOT_PERMISSIONS,
        attachment_size_limit: int = DEFAULT_UPLOAD_LIMIT,
        locale: str = "en-US",
    ) -> MessageComponentInteraction:
        """Build a component interaction (type 3): a button click or a select.

        Args:
            custom_id: The clicked component's ``custom_id``.
            message: The message carrying the component (e.g. ``FakeMessage.to_payload()``);
                default: a bot message in ``channel`` with one button/select of that ``custom_id``.
                discord.py rebuilds ``DynamicItem``s from this message, so it must contain the component.
            component_type: 2 button, 3 string select, 5-8 entity selects.
            values: Selected values (selects only).
            user: The clicking user (default ``alice``).
            guild: See :meth:`slash`.
            channel: See :meth:`slash`.
            permissions: See :meth:`slash`.
            app_permissions: See :meth:`slash`.
            attachment_size_limit: See :meth:`slash`.
            locale: See :meth:`slash`.

        Returns:
            The interaction payload.
        """
        base = self._base(
            3, user, guild, channel, permissions, app_permissions, attachment_size_limit, locale
        )
        if message is None:
            message = self.bot_message(
                int(base["channel_id"]), [self._component_row(custom_id, component_type)]
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        base["data"] = data
        base["message"] = dict(message)
        return cast("MessageComponentInteraction", base)

    def modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        modal_components: Sequence[Mapping[str, Any]] | None = None,
        message: Mapping[str, Any] | None = None,
        user: FakeUser | None = None,
        guild: FakeGuild | bool | None = True,
        channel: FakeChannel | None = None,
        permissions: int | None = None,
        app_permissions: int = BOT_PERMISSIONS,
        attachment_size_limit: int = DEFAULT_UPLOAD_LIMIT,
        locale: str = "en-US",
    ) -> ModalSubmitInteraction:
        """Build a modal submit (type 5).

        Args:
            custom_id: The modal's ``custom_id`` (from the type-9 callback the bot sent).
            values: Text input ``custom_id`` -> submitted text.
            modal_components: The modal's ``components`` from that callback; the submit mirrors
                their structure (action rows or labels). Default: one action row per value.
            message: The message whose component opened the modal, if any.
            user: See :meth:`slash`.
            guild: See :meth:`slash`.
            channel: See :meth:`slash`.
            permissions: See :meth:`slash`.
            app_permissions: See :meth:`slash`.
            attachment_size_limit: See :meth:`slash`.
            locale: See :meth:`slash`.

        Returns:
            The interaction payload.
        """
        base = self._base(
            5, user, guild, channel, permissions, app_permissions, attachment_size_limit, locale
        )
        if modal_components is None:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in values.items()
            ]
        else:
            components = [_submitted(c, values) for c in modal_components]
        base["data"] = {"custom_id": custom_id, "components": components}
        if message is not None:
            base["message"] = dict(message)
        return cast("ModalSubmitInteraction", base)

    def bot_message(
        self, channel_id: int, components: list[dict[str, Any]], *, content: str = "result"
    ) -> dict[str, Any]:
        """Return a message the bot posted earlier in ``channel_id`` carrying ``components``."""
        return {
            "id": str(self.world.snowflakes()),
            "channel_id": str(channel_id),
            "type": 0,
            "content": content,
            "author": self.world.bot_user.to_payload(),
            "attachments": [],
            "embeds": [],
            "components": components,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": 0,
            "application_id": str(self.world.application_id),
        }

    # -- internals ---------------------------------------------------------------------------

    def _resolve_command(
        self, name: str, guild_id: str | None, command_id: int | None
    ) -> tuple[int, int | None]:
        if command_id is not None:
            return command_id, None
        if self._command_lookup is not None:
            found = self._command_lookup(name, int(guild_id) if guild_id else None)
            if found is not None:
                return found
        return self.world.snowflakes(), None

    def _base(
        self,
        interaction_type: int,
        user: FakeUser | None,
        guild: FakeGuild | bool | None,
        channel: FakeChannel | None,
        permissions: int | None,
        app_permissions: int,
        attachment_size_limit: int,
        locale: str,
    ) -> dict[str, Any]:
        world = self.world
        user = user or world.alice
        the_guild = world.guild if guild is True else (guild or None)
        base: dict[str, Any] = {
            "id": str(world.snowflakes()),
            "application_id": str(world.application_id),
            "type": interaction_type,
            "token": f"fake-token-{world.snowflakes()}",
            "version": 1,
            "locale": locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": attachment_size_limit,
        }
        if the_guild is None:
            dm = channel or FakeChannel(world.snowflakes(), "", None, type=1)
            base["user"] = user.to_payload()
            base["channel"] = {**dm.to_payload(), "recipients": [user.to_payload()]}
            base["channel_id"] = str(dm.id)
            base["context"] = 1
            base["authorizing_integration_owners"] = {"1": str(user.id)}
            return base
        member = the_guild.member(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {the_guild.name}")
        channel = channel or the_guild.channels[0]
        perms = the_guild.permissions_for(user.id) if permissions is None else permissions
        base["guild_id"] = str(the_guild.id)
        base["guild"] = {"id": str(the_guild.id), "locale": the_guild.locale, "features": []}
        base["guild_locale"] = the_guild.locale
        base["member"] = member.to_payload(perms)
        base["channel"] = {**channel.to_payload(), "permissions": str(perms)}
        base["channel_id"] = str(channel.id)
        base["context"] = 0
        base["authorizing_integration_owners"] = {"0": str(the_guild.id)}
        return base

    def _option(
        self, name: str, value: OptionValue, resolved: dict[str, dict[str, Any]], *, focused: bool
    ) -> dict[str, Any]:
        option: dict[str, Any] = {"name": name}
        if isinstance(value, Opt):
            option.update(type=value.type, value=value.value)
        elif isinstance(value, bool):
            option.update(type=5, value=value)
        elif isinstance(value, int):
            option.update(type=4, value=value)
        elif isinstance(value, float):
            option.update(type=10, value=value)
        elif isinstance(value, str):
            option.update(type=3, value=value)
        elif isinstance(value, FakeUser):
            option.update(type=6, value=str(value.id))
            resolved.setdefault("users", {})[str(value.id)] = value.to_payload()
            for guild in self.world.guilds:
                member = guild.member(value.id)
                if member is not None:
                    member_data = member.to_payload(guild.permissions_for(value.id))
                    member_data.pop("user")
                    resolved.setdefault("members", {})[str(value.id)] = member_data
                    break
        elif isinstance(value, FakeChannel):
            option.update(type=7, value=str(value.id))
            resolved.setdefault("channels", {})[str(value.id)] = {
                **value.to_payload(),
                "permissions": str(ALL_PERMISSIONS),
            }
        elif isinstance(value, FakeRole):
            option.update(type=8, value=str(value.id))
            resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
        elif isinstance(value, dict) and "filename" in value:
            option.update(type=11, value=str(value["id"]))
            resolved.setdefault("attachments", {})[str(value["id"])] = value
        else:
            raise TypeError(f"cannot infer the option type of {name}={value!r}; use Opt(type, value)")
        if focused:
            option["focused"] = True
        return option

    @staticmethod
    def _component_row(custom_id: str, component_type: int) -> dict[str, Any]:
        if component_type == 2:
            inner: dict[str, Any] = {"type": 2, "style": 1, "label": "Button", "custom_id": custom_id}
        else:
            inner = {
                "type": component_type,
                "custom_id": custom_id,
                "options": [],
                "min_values": 1,
                "max_values": 1,
            }
            if component_type == 3:
                inner["options"] = [{"label": "Option", "value": "option"}]
        return {"type": 1, "components": [inner]}


def _submitted(component: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """Mirror one modal component as Discord echoes it in the submit, with the user's values."""
    kind = component.get("type")
    if kind == 1:
        return {"type": 1, "components": [_submitted(c, values) for c in component.get("components", [])]}
    if kind == 18:
        return {
            "type": 18,
            "id": component.get("id", 0),
            "component": _submitted(component["component"], values),
        }
    if kind == 4:
        custom_id = component["custom_id"]
        return {
            "type": 4,
            "id": component.get("id", 0),
            "custom_id": custom_id,
            "value": values.get(custom_id, ""),
        }
    if kind in (3, 5, 6, 7, 8, 19):
        custom_id = component["custom_id"]
        raw = values.get(custom_id, "")
        return {
            "type": kind,
            "id": component.get("id", 0),
            "custom_id": custom_id,
            "values": [raw] if raw else [],
        }
    return {key: value for key, value in component.items() if key in ("type", "id", "content")}
