"""What every `/config` command does around its change: defer, validate, write, answer, report.

Every answer is ephemeral with no mentions. Commands defer before their first database or
catalogue access (a PostgreSQL write or a model-list refresh can outlast Discord's 3 seconds),
so answers are edits of the deferred message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from pydantic import ValidationError

from bot.discord.app import ImageBot
from bot.discord.flows.config.parsing import invalid_settings, model_problem
from bot.discord.state import state_of
from bot.discord.views.config import Change, change_reply, changed_fields, modlog_changes
from bot.errors import InputError
from bot.gateway.models import Endpoint
from bot.i18n import text
from bot.policy.schemas import ChannelSettings, GuildSettings

Interaction = discord.Interaction[ImageBot]
NO_MENTIONS = discord.AllowedMentions.none()
Notes = Callable[[GuildSettings], list[str]]
CATALOG_WAIT_SECONDS = 5.0

# Option types shared by the command modules (Discord validates them before we run).
ModelId = app_commands.Range[str, 1, 100]
ImageCount = app_commands.Range[int, 1, 10]


def require_manage_guild(interaction: Interaction) -> bool:
    """The server-side half of `/config`'s permission rule (Discord's `default_permissions` is the other).

    Servers can override command permissions, and a role can lose Manage Server after Discord
    cached the command list, so every invocation checks the member's permissions again.

    Raises:
        app_commands.NoPrivateMessage: outside a server.
        app_commands.MissingPermissions: without Manage Server (answered by the tree's error handler).
    """
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


class ModeratorGroup(app_commands.Group):
    """A `/config` sub-group that checks Manage Server itself.

    Commands defined in a `Group` subclass are bound to the group, not to the cog, so the cog's
    `interaction_check` does not cover them.
    """

    async def interaction_check(self, interaction: Interaction, /) -> bool:  # type: ignore[override]
        """Refuse members without Manage Server."""
        return require_manage_guild(interaction)


async def defer(interaction: Interaction) -> None:
    """Acknowledge ephemerally ("thinking…") unless already answered."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
        # bot.discord.replies.respond reads this: an ephemeral deferral needs no public clean-up.
        state_of(interaction).ephemeral_defer = True


async def reply(
    interaction: Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Answer ephemerally: fill the deferred message, or send the first response."""
    if interaction.response.is_done():
        kwargs: dict[str, Any] = {"content": content, "embed": embed, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        await interaction.edit_original_response(**kwargs)
        return
    kwargs = {"embed": embed} if embed is not None else {}
    if view is not None:
        kwargs["view"] = view
    await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)


def guild_id_of(interaction: Interaction) -> int:
    """The guild of a `/config` interaction (the cog's check guarantees there is one)."""
    assert interaction.guild_id is not None
    return interaction.guild_id


async def guild_settings(interaction: Interaction) -> GuildSettings:
    """Defer, then the server's current settings."""
    await defer(interaction)
    return await interaction.client.store.get_guild_settings(guild_id_of(interaction))


async def update_guild(
    interaction: Interaction,
    mutate: Callable[[GuildSettings], GuildSettings] | None = None,
    /,
    *,
    fields: Sequence[str] = (),
    notes: Notes | None = None,
    extra_notes: Sequence[str] = (),
    **changes: Any,
) -> tuple[GuildSettings, GuildSettings]:
    """Apply one audited change to the server's settings, answer old → new, report it.

    Args:
        interaction: The `/config` interaction.
        mutate: A pure edit (see `_edits`), for list and mapping fields.
        fields: What the command is about, shown when nothing changed (default: `changes`).
        notes: Warnings computed from the new settings.
        extra_notes: Warnings known beforehand.
        **changes: Field values.

    Returns:
        ``(old, new)``.

    Raises:
        InputError: the change breaks a settings rule (one sentence naming it).
    """
    await defer(interaction)
    bot = interaction.client
    guild_id = guild_id_of(interaction)
    try:
        old, new = await bot.store.update_guild_settings(guild_id, interaction.user.id, mutate, **changes)
    except ValidationError as exc:
        raise invalid_settings(exc) from None
    changed = changed_fields(old, new)
    lines = [*extra_notes, *(notes(new) if notes is not None else [])]
    lines += await announce(interaction, changed)
    answer = change_reply(changed, new, fields or list(changes), notes=lines, locale=interaction.locale)
    await reply(interaction, answer)
    return old, new


async def update_channel(
    interaction: Interaction,
    channel_id: int,
    channel_name: str | None,
    mutate: Callable[[ChannelSettings], ChannelSettings] | None = None,
    *,
    reset: bool = False,
    fields: Sequence[str] = (),
    extra_notes: Sequence[str] = (),
    **changes: Any,
) -> tuple[ChannelSettings, ChannelSettings]:
    """Set (or with `reset`, remove) a channel's overrides; answer and report like `update_guild`."""
    await defer(interaction)
    store = interaction.client.store
    guild_id, actor_id = guild_id_of(interaction), interaction.user.id
    try:
        if reset:
            old, new = await store.reset_channel_settings(guild_id, channel_id, actor_id)
        else:
            old, new = await store.update_channel_settings(guild_id, channel_id, actor_id, mutate, **changes)
    except ValidationError as exc:
        raise invalid_settings(exc) from None
    changed = changed_fields(old, new)
    lines = [
        *extra_notes,
        *await announce(interaction, changed, channel_name=channel_name or str(channel_id)),
    ]
    shown = fields or list(changes)
    answer = change_reply(changed, new, shown, channel_id=channel_id, notes=lines, locale=interaction.locale)
    await reply(interaction, answer)
    return old, new


async def announce(
    interaction: Interaction, changes: Sequence[Change], *, channel_name: str | None = None
) -> list[str]:
    """Post `changes` to the log channel (when one is set); a warning line if that failed.

    The report is in the server's language (the log channel is shared); the warning in the
    moderator's.
    """
    if not changes:
        return []
    bot = interaction.client
    guild_id = guild_id_of(interaction)
    report = modlog_changes(changes, channel_name=channel_name, locale=bot.modlog.locale_of(guild_id))
    posted = await bot.modlog.config_changed(guild_id, interaction.user.id, report)
    log_channel_id = (await bot.store.get_guild_settings(guild_id)).log_channel_id
    if log_channel_id is not None and not posted:
        return [text(interaction.locale, "config.log_failed", channel_id=log_channel_id)]
    return []


async def checked_model(
    interaction: Interaction, model_id: str, endpoint: Endpoint | None
) -> tuple[str, list[str]]:
    """Check a model id against the catalogue (refreshed if stale); refuse unknown ids with suggestions.

    Args:
        interaction: The `/config` interaction (deferred here: a refresh is I/O).
        model_id: What the moderator typed or picked.
        endpoint: ``images``/``chat`` for a default model; None for the allow-list (either).

    Returns:
        The id and warnings (the catalogue could not be reached: the id is accepted unchecked).

    Raises:
        InputError: unknown id, a model that makes no images, or one of the other endpoint.
        PolicyError: a model outside the operator's `OPERATOR_ALLOWED_MODELS`.
    """
    interaction.client.generation.operator.check_model(model_id.strip())  # servers cannot go below it
    await defer(interaction)
    catalog = interaction.client.catalog
    # The refresh is shielded and shared: giving up waiting does not cancel it.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CATALOG_WAIT_SECONDS):
            await catalog.fetch_models()
    model_id = model_id.strip()
    if not catalog.get_models():
        return model_id, [text(interaction.locale, "config.catalog_unavailable")]
    problem = model_problem(model_id, catalog.get(model_id), endpoint, catalog.suggest(model_id))
    if problem is not None:
        raise InputError.keyed(problem.key, **problem.values)
    return model_id, []


async def checked_text_model(interaction: Interaction, model_id: str) -> tuple[str, list[str]]:
    """Check the model that enhances prompts: a language model of the catalogue (refreshed if stale).

    Returns:
        The id and warnings (the catalogue could not be reached: the id is accepted unchecked).

    Raises:
        InputError: unknown id, or a model that does not write text.
        PolicyError: a model outside the operator's `OPERATOR_ALLOWED_MODELS`.
    """
    model_id = model_id.strip()
    interaction.client.generation.operator.check_model(model_id)
    await defer(interaction)
    catalog = interaction.client.catalog
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CATALOG_WAIT_SECONDS):
            await catalog.fetch_models()
    if not catalog.get_models():
        return model_id, [text(interaction.locale, "config.catalog_unavailable")]
    info = catalog.get(model_id)
    if info is None:
        unknown = model_problem(model_id, None, None, catalog.suggest(model_id))
        assert unknown is not None  # an unknown id is always a problem
        raise InputError.keyed(unknown.key, **unknown.values)
    if info.type not in (None, "language"):
        raise InputError.keyed("config.not_chat_model", model=model_id)
    return model_id, []
