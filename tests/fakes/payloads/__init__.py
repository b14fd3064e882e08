"""Deterministic Discord objects and interaction payloads for the fake Discord.

A :class:`FakeWorld` (``_world``) holds the application, the bot user, guilds, channels, roles and
members that the fake gateway announces (READY/GUILD_CREATE) and the fake REST API serves. An
:class:`InteractionFactory` (``_interactions``) builds ``INTERACTION_CREATE`` payloads typed with
``discord.types.interactions`` for slash commands (options, sub-command groups, attachments),
autocomplete, component clicks and modal submits. Snowflakes come from a counter: no randomness.
"""

from tests.fakes.payloads._interactions import (
    CommandLookup,
    InteractionFactory,
    Opt,
    OptionValue,
    attachment_payload,
)
from tests.fakes.payloads._world import (
    ALL_PERMISSIONS,
    BOT_PERMISSIONS,
    DEFAULT_UPLOAD_LIMIT,
    DISCORD_EPOCH_MS,
    EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    MESSAGE_CONTENT_FLAGS,
    VIEW_AND_HISTORY,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    FakeWorld,
    Snowflakes,
    iso_now,
)

__all__ = [
    "ALL_PERMISSIONS",
    "BOT_PERMISSIONS",
    "DEFAULT_UPLOAD_LIMIT",
    "DISCORD_EPOCH_MS",
    "EVERYONE_PERMISSIONS",
    "MANAGE_GUILD",
    "MESSAGE_CONTENT_FLAGS",
    "VIEW_AND_HISTORY",
    "CommandLookup",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "FakeWorld",
    "InteractionFactory",
    "Opt",
    "OptionValue",
    "Snowflakes",
    "attachment_payload",
    "iso_now",
]
