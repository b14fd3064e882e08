"""`/chatimage` with input images, and the "Edit image" message action's restart-proof modal.

"Edit image" opens a modal asking how the image should change, with two optional file uploads:
up to 3 more reference images, and a mask (white where the image should change). They are
sent after the image being edited, as `image_url` parts, the mask last with a sentence saying
what it means. The modal's custom_id says where the image is, so a submit reaching a fresh
process is answered too.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.flows.chat import run_chatimage
from bot.discord.flows.delivery import start_job
from bot.discord.flows.inputs import (
    AttachmentLike,
    InputSource,
    check_attachment,
    read_attachment,
    sees_attachments,
    source_of,
    submitted_uploads,
)
from bot.discord.tree import report_error
from bot.discord.views.buttons import submitted_value
from bot.errors import InputError
from bot.gateway.models import InputImage
from bot.i18n import text
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

Interaction = discord.Interaction["ImageBot"]


async def run_with_image(
    interaction: Interaction, prompt: str, image: discord.Attachment | None, requested: RequestedOptions
) -> None:
    """`/chatimage` with at most one input image (see `run_with_images`)."""
    await run_with_images(interaction, prompt, [image] if image is not None else [], requested)


async def run_with_images(
    interaction: Interaction,
    prompt: str,
    images: Sequence[AttachmentLike],
    requested: RequestedOptions,
    *,
    message: discord.Message | None = None,
    mask: AttachmentLike | None = None,
) -> None:
    """Check the input images (metadata, before deferring), start the job, download them, stream.

    Args:
        interaction: The command or modal submit.
        prompt: The member's prompt.
        images: The input images, the one to edit first.
        requested: The member's options.
        message: The message holding the first image ("Edit image"): a re-roll re-reads it there.
        mask: A mask image, sent last, with a sentence saying what it means (chat image models
            take no separate mask field; they follow the instruction).
    """
    inputs_in_order = [*images, *([mask] if mask is not None else [])]
    for attachment in inputs_in_order:
        check_attachment(attachment)  # nothing is spent on a file that is not an image
    if mask is not None:
        prompt = f"{prompt}\n\n{MASK_NOTE}"
    started = await start_job(interaction, "chatimage", prompt, requested)
    session = interaction.client.generation.gateway.session
    inputs: list[InputImage] = []
    sources: list[InputSource] = []
    try:
        for index, attachment in enumerate(inputs_in_order):
            inputs.append(await read_attachment(attachment, session))
            sources.append(source_of(attachment, inputs[-1], message if index == 0 else None))
    except Exception:
        await interaction.client.generation.release(started.plan, refund=True)
        raise
    await run_chatimage(interaction, started, inputs, sources)


EDIT_IMAGE_ID = re.compile(
    r"ib:editimage:(?P<channel>\d{1,20}):(?P<message>\d{1,20}):(?P<image>\d{1,20}):[0-9a-f]{8}"
)
PROMPT_FIELD = "prompt"
REFERENCES_FIELD = "references"
MASK_FIELD = "mask"
MAX_EXTRA_REFERENCES = 3
MASK_NOTE = (
    "The last image is a mask of the first one: change only what is white in the mask, "
    "and keep everything that is black exactly as it is."
)
MODAL_SECONDS = 900


class OpenModals:
    """The "Edit image" modals this bot opened (custom_id -> when they expire).

    Their own `on_submit` answers them. A submit whose custom_id is not here was opened before
    a restart (or by another process); `answer_edit_image_submit` answers it from the ids in
    the custom_id. Kept per bot (by the cog), not per module: a module outlives a bot.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def add(self, custom_id: str) -> None:
        """Remember a modal just opened (and forget the expired ones)."""
        now = time.monotonic()
        for stale in [key for key, until in self._until.items() if until < now]:
            del self._until[stale]
        self._until[custom_id] = now + MODAL_SECONDS + 60

    def __contains__(self, custom_id: object) -> bool:
        return custom_id in self._until


class EditImageModal(discord.ui.Modal):
    """Asks how to change the image of the message the action was used on.

    Its custom_id, ``ib:editimage:<channel>:<message>:<attachment>:<nonce>``, says where the
    image is, so a submit reaching a fresh process is answered too. Its title, labels and
    hints are in the member's language; the submit is read by field ids, whatever they say.
    """

    def __init__(
        self, image: discord.Attachment, message: discord.Message, opened: OpenModals, locale: object = None
    ) -> None:
        custom_id = f"ib:editimage:{message.channel.id}:{message.id}:{image.id}:{secrets.token_hex(4)}"
        super().__init__(title=text(locale, "modal.edit_image"), timeout=MODAL_SECONDS, custom_id=custom_id)
        self.image = image
        self.message = message
        prompt = discord.ui.TextInput[EditImageModal](
            style=discord.TextStyle.paragraph, max_length=4000, custom_id=PROMPT_FIELD
        )
        self.add_item(discord.ui.Label(text=text(locale, "modal.how_change"), component=prompt))
        references = discord.ui.FileUpload[EditImageModal](
            custom_id=REFERENCES_FIELD, required=False, min_values=0, max_values=MAX_EXTRA_REFERENCES
        )
        self.add_item(
            discord.ui.Label(
                text=text(locale, "modal.references"),
                description=text(locale, "modal_hint.references", count=MAX_EXTRA_REFERENCES),
                component=references,
            )
        )
        mask = discord.ui.FileUpload[EditImageModal](
            custom_id=MASK_FIELD, required=False, min_values=0, max_values=1
        )
        self.add_item(
            discord.ui.Label(
                text=text(locale, "modal.mask"), description=text(locale, "modal_hint.mask"), component=mask
            )
        )
        opened.add(custom_id)

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Run the edit with the guild's chat image model."""
        await run_edit(interaction, self.image, self.message)

    async def on_error(self, interaction: Interaction, error: Exception) -> None:  # type: ignore[override]
        """Answer through the common error reporter."""
        await report_error(interaction, error)


async def answer_edit_image_submit(interaction: Interaction, opened: OpenModals) -> bool:
    """Answer an "Edit image" modal opened before a restart: re-read its message for the image.

    Returns:
        Whether the interaction was such a submit (and so was answered).
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    match = EDIT_IMAGE_ID.fullmatch(custom_id)
    if match is None or custom_id in opened:
        return False
    try:
        channel = interaction.client.get_partial_messageable(int(match["channel"]))
        try:
            message = await channel.fetch_message(int(match["message"]))
        except discord.NotFound as exc:
            raise InputError.keyed("edit.message_gone") from exc
        except discord.Forbidden as exc:
            raise InputError.keyed("edit.cannot_read") from exc
        image = next((a for a in message.attachments if a.id == int(match["image"])), None)
        if image is None and not sees_attachments(interaction.client, message):
            # Discord hides other members' attachments from an app without the Message Content
            # intent; a fresh "Edit image" gets the message (and its image) with the interaction.
            raise InputError.keyed("edit.cannot_read")
        if image is None:
            raise InputError.keyed("edit.image_gone")
        await run_edit(interaction, image, message)
    except Exception as exc:  # every submit gets an answer
        await report_error(interaction, exc)
    return True


async def run_edit(interaction: Interaction, image: AttachmentLike, message: discord.Message) -> None:
    """Run an "Edit image" submit: its prompt, the message's image, its references and mask.

    Everything is read from the submit itself (the same way before and after a restart).

    Raises:
        InputError: no prompt, or a file that is not an image or too large.
    """
    data: Any = interaction.data or {}
    prompt = (submitted_value(data.get("components"), PROMPT_FIELD) or "").strip()
    if not prompt:
        raise InputError.keyed("edit.say_how")
    references = submitted_uploads(data, REFERENCES_FIELD)[:MAX_EXTRA_REFERENCES]
    masks = submitted_uploads(data, MASK_FIELD)[:1]
    requested = RequestedOptions(model=None, count=None, aspect_ratio=None, private=None)
    await run_with_images(
        interaction,
        prompt,
        [image, *references],
        requested,
        message=message,
        mask=masks[0] if masks else None,
    )
