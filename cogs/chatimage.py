"""`/chatimage`: a multimodal chat model streams text and images; optional input image."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ImageBot
from bot.policy import RequestedOptions
from bot.ui.autocomplete import chat_model_autocomplete
from bot.ui.chat import check_attachment, read_attachment, run_chatimage
from bot.ui.delivery import start_job

Interaction = discord.Interaction[ImageBot]


class ChatImage(commands.Cog):
    """The `/chatimage` command."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    @app_commands.command(name="chatimage")
    @app_commands.autocomplete(model=chat_model_autocomplete)
    async def chatimage(
        self,
        interaction: Interaction,
        prompt: app_commands.Range[str, 1, 4000],
        model: app_commands.Range[str, 1, 100] | None = None,
        image: discord.Attachment | None = None,
        private: bool | None = None,
    ) -> None:
        """Chat with a multimodal model that answers with text and images.

        Args:
            prompt: What to make, or how to change the image.
            model: Chat image model (default: this server's).
            image: An image to edit or use as reference.
            private: Only you see the result.
        """
        if image is not None:
            check_attachment(image)
        requested = RequestedOptions(model=model, count=None, aspect_ratio=None, private=private)
        started = await start_job(interaction, "chatimage", prompt, requested)
        inputs = []
        if image is not None:
            try:
                inputs.append(await read_attachment(image))
            except Exception:
                await self.bot.generation.release(started.plan, refund=True)
                raise
        await run_chatimage(interaction, started, inputs)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(ChatImage(bot))
