"""Model autocomplete answered from the in-memory catalogue only (no I/O, well under 3 s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from discord import app_commands

from bot.discord.views.choices import model_choices
from bot.gateway.models import Endpoint, ModelInfo

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

import discord


def offered_models(bot: ImageBot, endpoint: Endpoint, guild_id: int | None) -> list[ModelInfo]:
    """The models a member may pick for `endpoint`: image-capable ones, narrowed to the allow-lists.

    Reads only caches: the catalogue and the guild's cached settings. When the catalogue is
    empty (gateway down since start-up) it offers the guild's configured models.
    """
    models = {m.id: m for m in bot.catalog.image_models(endpoint)}
    ids = list(models)
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
    return [models.get(i) or ModelInfo(id=i) for i in ids]


async def image_model_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete callback for `/imagine model`."""
    return model_choices(offered_models(interaction.client, "images", interaction.guild_id), current)


async def chat_model_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete callback for `/chatimage model`."""
    return model_choices(offered_models(interaction.client, "chat", interaction.guild_id), current)
