"""Autocomplete for `/config` options, answered from caches only (Discord allows 3 seconds)."""

from __future__ import annotations

from discord import app_commands

from bot.discord.flows.config.service import Interaction
from bot.discord.views.choices import model_choices, text_choices
from bot.gateway.models import Endpoint, ModelInfo

Choices = list[app_commands.Choice[str]]


def _usable(interaction: Interaction, endpoint: Endpoint | None) -> list[ModelInfo]:
    """Catalogue models of `endpoint` that the operator's `OPERATOR_ALLOWED_MODELS` lets servers use."""
    allowed = interaction.client.generation.operator.allowed_models
    return [m for m in interaction.client.catalog.image_models(endpoint) if not allowed or m.id in allowed]


async def image_models(interaction: Interaction, current: str) -> Choices:
    """Image-only models (for /imagine) from the cached catalogue."""
    return model_choices(_usable(interaction, "images"), current)


async def chat_models(interaction: Interaction, current: str) -> Choices:
    """Chat models that return images (for /chatimage) from the cached catalogue."""
    return model_choices(_usable(interaction, "chat"), current)


async def text_models(interaction: Interaction, current: str) -> Choices:
    """Language models (they write text) from the cached catalogue, for prompt enhancement."""
    allowed = interaction.client.generation.operator.allowed_models
    models = [
        m
        for m in interaction.client.catalog.get_models()
        if m.type in (None, "language") and (not allowed or m.id in allowed)
    ]
    return model_choices(models, current)


async def any_image_models(interaction: Interaction, current: str) -> Choices:
    """Every image-capable model from the cached catalogue (for the allow-list)."""
    return model_choices(_usable(interaction, None), current)


async def allowed_models(interaction: Interaction, current: str) -> Choices:
    """The server's allow-list, from the cached settings."""
    cached = interaction.client.store.get_cached_guild_settings(interaction.guild_id or 0)
    return text_choices(cached.allowed_models if cached else [], current)


async def blocked_terms(interaction: Interaction, current: str) -> Choices:
    """Blocked terms, offered only to members with Manage Server."""
    return _terms(interaction, current, "blocked_terms")


async def flagged_terms(interaction: Interaction, current: str) -> Choices:
    """Flagged terms, offered only to members with Manage Server."""
    return _terms(interaction, current, "flagged_terms")


def _terms(interaction: Interaction, current: str, field: str) -> Choices:
    # discord.py runs no command checks for autocomplete: never offer the lists to others.
    if interaction.guild_id is None or not interaction.permissions.manage_guild:
        return []
    cached = interaction.client.store.get_cached_guild_settings(interaction.guild_id)
    return text_choices(getattr(cached, field) if cached else [], current)
