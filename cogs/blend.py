"""`/blend`: 2 to 4 images, uploaded or linked (and an optional prompt), into one picture by a chat model."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import chat_model_autocomplete
from bot.discord.flows.blend import MAX_BLEND_IMAGES, run_blend
from bot.discord.flows.place import apply_reach
from bot.policy import RequestedOptions

Interaction = discord.Interaction[ImageBot]


class Blend(commands.Cog):
    """The `/blend` command."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        apply_reach(self.blend, bot.settings)  # servers only unless the operator opened more

    @app_commands.command(name="blend")
    @app_commands.autocomplete(model=chat_model_autocomplete)
    async def blend(
        self,
        interaction: Interaction,
        image1: discord.Attachment | None = None,
        image2: discord.Attachment | None = None,
        image3: discord.Attachment | None = None,
        image4: discord.Attachment | None = None,
        prompt: app_commands.Range[str, 1, 4000] | None = None,
        model: app_commands.Range[str, 1, 100] | None = None,
        private: bool | None = None,
        links: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        """Blend 2 to 4 images into one picture.

        Args:
            image1: First image (PNG, JPEG, WebP or GIF, up to 20 MB).
            image2: Second image.
            image3: Third image.
            image4: Fourth image.
            prompt: How to combine them (default: blend subjects and styles).
            model: Chat image model (default: this server's).
            private: Only you see the result.
            links: Links to messages in this server whose images to use, space-separated.
        """
        images = [image for image in (image1, image2, image3, image4) if image is not None]
        requested = RequestedOptions(model=model, count=None, aspect_ratio=None, private=private)
        await run_blend(interaction, images[:MAX_BLEND_IMAGES], prompt, requested, links=links)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Blend(bot))
