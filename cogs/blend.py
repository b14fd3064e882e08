"""`/blend`: up to 4 images (and an optional prompt) into one picture, by a multimodal chat model."""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import chat_model_autocomplete
from bot.discord.flows.chat import check_attachment, read_attachment, run_chatimage
from bot.discord.flows.delivery import start_job
from bot.discord.flows.inputs import InputSource, source_of
from bot.discord.flows.place import apply_reach
from bot.gateway.models import InputImage
from bot.policy import RequestedOptions

Interaction = discord.Interaction[ImageBot]
MAX_BLEND_IMAGES = 4
"""Images one `/blend` sends (the catalogue does not say how many a model accepts; 4 is safe)."""
BLEND_PROMPT = "Blend these images into one new picture that combines their subjects and styles."


async def run_blend(
    interaction: Interaction,
    images: Sequence[discord.Attachment],
    prompt: str | None,
    requested: RequestedOptions,
) -> None:
    """Check every image (metadata, before anything is spent), admit the job, read them, stream.

    The images are sent in the order given, as `image_url` parts; the job keeps a reference to
    each, so a re-roll sends the same images again.
    """
    unique = list({image.id: image for image in images}.values())  # the same upload twice counts once
    for image in unique:
        check_attachment(image)
    started = await start_job(interaction, "chatimage", prompt or BLEND_PROMPT, requested)
    session = interaction.client.generation.gateway.session
    inputs: list[InputImage] = []
    sources: list[InputSource] = []
    try:
        for image in unique:
            inputs.append(await read_attachment(image, session))
            sources.append(source_of(image, inputs[-1]))
    except Exception:
        await interaction.client.generation.release(started.plan, refund=True)
        raise
    await run_chatimage(interaction, started, inputs, sources)


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
        image1: discord.Attachment,
        image2: discord.Attachment,
        image3: discord.Attachment | None = None,
        image4: discord.Attachment | None = None,
        prompt: app_commands.Range[str, 1, 4000] | None = None,
        model: app_commands.Range[str, 1, 100] | None = None,
        private: bool | None = None,
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
        """
        images = [image for image in (image1, image2, image3, image4) if image is not None]
        requested = RequestedOptions(model=model, count=None, aspect_ratio=None, private=private)
        await run_blend(interaction, images[:MAX_BLEND_IMAGES], prompt, requested)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Blend(bot))
