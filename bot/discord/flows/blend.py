"""`/blend`: check every image before anything is spent, admit the job, read the images, stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.discord.flows.chat import run_chatimage
from bot.discord.flows.delivery import start_job
from bot.discord.flows.inputs import InputSource, check_attachment, read_attachment, source_of
from bot.gateway.models import InputImage
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

Interaction = discord.Interaction["ImageBot"]
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
