"""`/chatimage` with one input image, and the "Edit image" message action's restart-proof modal."""

from __future__ import annotations

import re
import secrets
import time
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.flows.chat import run_chatimage
from bot.discord.flows.delivery import start_job
from bot.discord.flows.inputs import check_attachment, read_attachment, source_of
from bot.discord.tree import report_error
from bot.discord.views.buttons import submitted_value
from bot.errors import InputError
from bot.policy import RequestedOptions

if TYPE_CHECKING:
    from bot.discord.app import ImageBot  # noqa: F401  # named in the `Interaction` alias below

Interaction = discord.Interaction["ImageBot"]


async def run_with_image(
    interaction: Interaction,
    prompt: str,
    image: discord.Attachment | None,
    requested: RequestedOptions,
    *,
    message: discord.Message | None = None,
) -> None:
    """Check the input image (metadata, before deferring), start the job, download it, stream.

    Args:
        interaction: The command or modal submit.
        prompt: The member's prompt.
        image: The input image, if any.
        requested: The member's options.
        message: The message holding `image` ("Edit image"): a re-roll re-reads it from there.
    """
    if image is not None:
        check_attachment(image)
    started = await start_job(interaction, "chatimage", prompt, requested)
    inputs = []
    sources = []
    if image is not None:
        try:
            inputs.append(await read_attachment(image, interaction.client.generation.gateway.session))
        except Exception:
            await interaction.client.generation.release(started.plan, refund=True)
            raise
        sources.append(source_of(image, inputs[-1], message))
    await run_chatimage(interaction, started, inputs, sources)


EDIT_IMAGE_ID = re.compile(
    r"ib:editimage:(?P<channel>\d{1,20}):(?P<message>\d{1,20}):(?P<image>\d{1,20}):[0-9a-f]{8}"
)
PROMPT_FIELD = "prompt"
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


class EditImageModal(discord.ui.Modal, title="Edit this image"):
    """Asks how to change the image of the message the action was used on.

    Its custom_id, ``ib:editimage:<channel>:<message>:<attachment>:<nonce>``, says where the
    image is, so a submit reaching a fresh process is answered too.
    """

    prompt: discord.ui.TextInput[EditImageModal] = discord.ui.TextInput(
        label="How should it change?",
        style=discord.TextStyle.paragraph,
        max_length=4000,
        custom_id=PROMPT_FIELD,
    )

    def __init__(self, image: discord.Attachment, message: discord.Message, opened: OpenModals) -> None:
        custom_id = f"ib:editimage:{message.channel.id}:{message.id}:{image.id}:{secrets.token_hex(4)}"
        super().__init__(timeout=MODAL_SECONDS, custom_id=custom_id)
        self.image = image
        self.message = message
        opened.add(custom_id)

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Run the edit with the guild's chat image model."""
        requested = RequestedOptions(model=None, count=None, aspect_ratio=None, private=None)
        await run_with_image(interaction, self.prompt.value, self.image, requested, message=self.message)

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
        prompt = (submitted_value(data.get("components"), PROMPT_FIELD) or "").strip()
        if not prompt:
            raise InputError("Say how the image should change.")
        channel = interaction.client.get_partial_messageable(int(match["channel"]))
        try:
            message = await channel.fetch_message(int(match["message"]))
        except discord.NotFound as exc:
            raise InputError("That message is gone, so its image cannot be edited.") from exc
        except discord.Forbidden as exc:
            raise InputError("I cannot read that message any more: use Edit image on it again.") from exc
        image = next((a for a in message.attachments if a.id == int(match["image"])), None)
        if image is None:
            raise InputError("That message no longer has the image.")
        requested = RequestedOptions(model=None, count=None, aspect_ratio=None, private=None)
        await run_with_image(interaction, prompt, image, requested, message=message)
    except Exception as exc:  # every submit gets an answer
        await report_error(interaction, exc)
    return True
