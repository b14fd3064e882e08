"""`/imagine`: images from a text prompt with an image-only model."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import image_model_autocomplete
from bot.discord.flows.delivery import run_imagine, start_job
from bot.discord.flows.place import apply_reach
from bot.discord.translator import translated_choices
from bot.policy import AspectRatio, RequestedOptions
from bot.policy.schemas import MAX_NEGATIVE_PROMPT, MAX_SEED, Background, Quality, Resolution

Interaction = discord.Interaction[ImageBot]


class Imagine(commands.Cog):
    """The `/imagine` command."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        apply_reach(self.imagine, bot.settings)  # servers only unless the operator opened more

    @app_commands.command(name="imagine")
    @translated_choices
    @app_commands.autocomplete(model=image_model_autocomplete)
    async def imagine(
        self,
        interaction: Interaction,
        prompt: app_commands.Range[str, 1, 4000],
        model: app_commands.Range[str, 1, 100] | None = None,
        count: app_commands.Range[int, 1, 10] | None = None,
        aspect_ratio: AspectRatio | None = None,
        private: bool | None = None,
        quality: Quality | None = None,
        resolution: Resolution | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        background: Background | None = None,
        negative_prompt: app_commands.Range[str, 1, MAX_NEGATIVE_PROMPT] | None = None,
        enhance: bool | None = None,
    ) -> None:
        """Generate images from a text prompt.

        Args:
            prompt: What to draw.
            model: Image model (default: this server's).
            count: How many images (default: this server's).
            aspect_ratio: Shape of the images.
            private: Only you see the result.
            quality: Rendering quality (models that offer it).
            resolution: Output resolution (models that offer it).
            seed: Same seed, same prompt: a similar image (models that offer it).
            background: Transparent or opaque background (models that offer it).
            negative_prompt: What the image should not show (models that offer it).
            enhance: Let a chat model enrich the prompt first.
        """
        requested = RequestedOptions(
            model=model,
            count=count,
            aspect_ratio=aspect_ratio,
            private=private,
            quality=quality,
            resolution=resolution,
            seed=seed,
            background=background,
            negative_prompt=negative_prompt,
            enhance=enhance,
        )
        started = await start_job(interaction, "imagine", prompt, requested)
        await run_imagine(interaction, started)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Imagine(bot))
