"""`/config parameter`: server defaults of the per-model parameters.

Locks are `/config lock` (quality, resolution, seed, background, negative_prompt, enhance). A
default applies only where the chosen model takes the parameter; elsewhere it is skipped with
a note on the result (see `bot.policy.parameters`).
"""

from __future__ import annotations

from typing import Literal

from discord import app_commands

from bot.discord.flows.config.service import Interaction, ModeratorGroup, update_guild
from bot.discord.translator import translated_choices
from bot.policy.schemas import MAX_NEGATIVE_PROMPT, Background, Quality, Resolution


class ParameterGroup(
    ModeratorGroup, name="parameter", description="Default quality, resolution, background, negative prompt."
):
    """`/config parameter quality|resolution|background|negative-prompt`."""

    @app_commands.command(name="quality")
    @translated_choices
    async def quality(self, interaction: Interaction, value: Literal[Quality, "reset"]) -> None:
        """Set the default quality, where the model offers one ("reset": the model's own).

        Args:
            value: low, medium or high.
        """
        await update_guild(interaction, quality=None if value == "reset" else value)

    @app_commands.command(name="resolution")
    @translated_choices
    async def resolution(self, interaction: Interaction, value: Literal[Resolution, "reset"]) -> None:
        """Set the default resolution, where the model offers one ("reset": the model's own).

        Args:
            value: 1K, 2K or 4K (each model offers some of them).
        """
        await update_guild(interaction, resolution=None if value == "reset" else value)

    @app_commands.command(name="background")
    @translated_choices
    async def background(self, interaction: Interaction, value: Literal[Background, "reset"]) -> None:
        """Set the default background, where the model offers one ("reset": the model's own).

        Args:
            value: transparent or opaque.
        """
        await update_guild(interaction, background=None if value == "reset" else value)

    @app_commands.command(name="negative-prompt")
    async def negative_prompt(
        self, interaction: Interaction, text: app_commands.Range[str, 1, MAX_NEGATIVE_PROMPT] | None = None
    ) -> None:
        """Set what images should not show, where the model takes a negative prompt (empty: none).

        Args:
            text: For example "text, watermark, blur".
        """
        value = " ".join(text.split()) if text else None
        await update_guild(interaction, negative_prompt=value or None)
