"""`/imagine`: images from a text prompt with an image-only model."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import image_model_autocomplete
from bot.discord.flows.delivery import run_imagine, start_job
from bot.discord.flows.place import apply_reach
from bot.policy import AspectRatio, RequestedOptions

Interaction = discord.Interaction[ImageBot]


class Imagine(commands.Cog):
    """The `/imagine` command."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        apply_reach(self.imagine, bot.settings)  # servers only unless the operator opened more

    @app_commands.command(name="imagine")
    @app_commands.autocomplete(model=image_model_autocomplete)
    async def imagine(
        self,
        interaction: Interaction,
        prompt: app_commands.Range[str, 1, 4000],
        model: app_commands.Range[str, 1, 100] | None = None,
        count: app_commands.Range[int, 1, 10] | None = None,
        aspect_ratio: AspectRatio | None = None,
        private: bool | None = None,
    ) -> None:
        """Generate images from a text prompt.

        Args:
            prompt: What to draw.
            model: Image model (default: this server's).
            count: How many images (default: this server's).
            aspect_ratio: Shape of the images.
            private: Only you see the result.
        """
        requested = RequestedOptions(model=model, count=count, aspect_ratio=aspect_ratio, private=private)
        started = await start_job(interaction, "imagine", prompt, requested)
        await run_imagine(interaction, started)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Imagine(bot))
