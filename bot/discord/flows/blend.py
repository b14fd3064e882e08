"""`/blend` and `/chatimage` with several images: check each image, admit the job, read, stream.

Every image is checked before anything is spent. Images come from uploads and from message
links (`bot.discord.flows.links`); uploads go first, then each linked message's images in
link order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.discord.flows.chat import run_chatimage
from bot.discord.flows.delivery import defer, guess_private, requester_of, start_job
from bot.discord.flows.inputs import (
    MAX_INPUT_IMAGES,
    AttachmentLike,
    InputSource,
    check_attachment,
    read_attachment,
    source_of,
)
from bot.discord.flows.links import check_links, fetch_linked_images
from bot.errors import InputError
from bot.gateway.models import InputImage
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

Interaction = discord.Interaction["ImageBot"]
MAX_BLEND_IMAGES = MAX_INPUT_IMAGES
"""Images one `/blend` sends, uploads and linked messages' images together."""
BLEND_PROMPT = "Blend these images into one new picture that combines their subjects and styles."


async def run_blend(
    interaction: Interaction,
    images: Sequence[discord.Attachment],
    prompt: str | None,
    requested: RequestedOptions,
    *,
    links: str | None = None,
    minimum: int = 2,
) -> None:
    """Check every image (metadata, before anything is spent), admit the job, read them, stream.

    The images are sent in the order given, then the linked messages' images, as `image_url`
    parts; the job keeps a reference to each (with its message for a linked one), so a re-roll
    sends the same images again and the result links the messages.

    Args:
        interaction: The command.
        images: Uploaded images.
        prompt: The member's prompt (None: blend them).
        requested: The member's options.
        links: The ``links`` option: message links, space-separated.
        minimum: Images the command needs (2 to blend, 1 for `/chatimage`).

    Raises:
        UserFacingError: a refusal; nothing is reserved before every image passed its checks.
    """
    unique = list({image.id: image for image in images}.values())  # the same upload twice counts once
    for image in unique:
        check_attachment(image)
    linked = check_links(interaction, links)
    _check_count(len(unique) + len(linked), minimum=1 if linked else minimum)  # a link has 1 or more
    chosen: list[tuple[AttachmentLike, discord.Message | None]] = [(image, None) for image in unique]
    if linked:
        # Reading the messages is a REST call each: acknowledge first (Discord's 3 seconds).
        requester = requester_of(interaction)
        private = guess_private(interaction, "chatimage", requester, prompt or BLEND_PROMPT, requested)
        await defer(interaction, ephemeral=private)
        for found in await fetch_linked_images(interaction, linked):
            if all(found.attachment.id != known.id for known, _ in chosen):
                chosen.append((found.attachment, found.message))
        _check_count(len(chosen), minimum=minimum)
        for known, _ in chosen:
            check_attachment(known)
    started = await start_job(interaction, "chatimage", prompt or BLEND_PROMPT, requested)
    session = interaction.client.generation.gateway.session
    inputs: list[InputImage] = []
    sources: list[InputSource] = []
    try:
        for attachment, message in chosen:
            inputs.append(await read_attachment(attachment, session))
            sources.append(source_of(attachment, inputs[-1], message))
    except Exception:
        await interaction.client.generation.release(started.plan, refund=True)
        raise
    await run_chatimage(interaction, started, inputs, sources)


def _check_count(count: int, *, minimum: int) -> None:
    """Refuse too many input images (the cap counts uploads and linked ones together), or too few."""
    if count > MAX_INPUT_IMAGES:
        raise InputError.keyed("links.too_many", count=count, limit=MAX_INPUT_IMAGES)
    if count < minimum:
        raise InputError.keyed("blend.too_few", minimum=minimum)
