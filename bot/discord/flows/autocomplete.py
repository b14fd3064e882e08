"""Model autocomplete answered from the in-memory catalogue only (no I/O, well under 3 s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from discord import app_commands

from bot.gateway.models import Endpoint

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

import discord

MAX_CHOICES = 25


def model_choices(
    bot: ImageBot, endpoint: Endpoint, current: str, guild_id: int | None
) -> list[app_commands.Choice[str]]:
    """Choices for a model option: image-capable models of `endpoint`, narrowed to the allow-lists.

    Reads only caches: the catalogue and the guild's cached settings. When the catalogue is
    empty (gateway down since start-up) it offers the guild's configured models.
    """
    models = bot.catalog.image_models(endpoint)
    ids = [m.id for m in models]
    names = {m.id: (m.name or m.id) for m in models}
    allowed: list[str] = []
    if guild_id is not None:
        settings = bot.store.get_cached_guild_settings(guild_id)
        if settings is not None:
            allowed = settings.allowed_models
            configured = settings.image_model if endpoint == "images" else settings.chat_model
            if configured and configured not in ids:
                ids.append(configured)
    if allowed:
        ids = [i for i in ids if i in allowed] or list(allowed)
    # The operator's allow-list is a floor everywhere: never suggest what would be refused.
    ids = bot.generation.operator.usable_models(ids) or []
    needle = current.casefold().strip()
    hits = [i for i in ids if needle in i.casefold() or needle in names.get(i, "").casefold()]
    hits.sort(key=lambda i: (not i.casefold().startswith(needle), i))
    return [app_commands.Choice(name=_label(i, names.get(i)), value=i) for i in hits[:MAX_CHOICES]]


def _label(model_id: str, name: str | None) -> str:
    label = model_id if not name or name == model_id else f"{name} ({model_id})"
    return label[:100]


async def image_model_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete callback for `/imagine model`."""
    return model_choices(interaction.client, "images", current, interaction.guild_id)


async def chat_model_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete callback for `/chatimage model`."""
    return model_choices(interaction.client, "chat", current, interaction.guild_id)
