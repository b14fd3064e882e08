"""`/chatimage` and the "Edit image" message action: a multimodal chat model streams text and images."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import chat_model_autocomplete
from bot.discord.flows.buttons import submitted_value
from bot.discord.flows.chat import check_attachment, read_attachment, run_chatimage
from bot.discord.flows.delivery import start_job
from bot.discord.flows.inputs import source_of
from bot.discord.flows.place import apply_reach, check_place
from bot.discord.tree import report_error
from bot.errors import InputError
from bot.policy import RequestedOptions
from cogs.blend import run_blend

Interaction = discord.Interaction[ImageBot]
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


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


def first_image(message: discord.Message) -> discord.Attachment | None:
    """The first image attachment of a message (by declared type or file name)."""
    for attachment in message.attachments:
        content_type = (attachment.content_type or "").split(";")[0]
        if content_type in IMAGE_TYPES or attachment.filename.lower().endswith(
            (".png", ".jpg", ".jpeg", ".webp")
        ):
            return attachment
    return None


EDIT_IMAGE_ID = re.compile(
    r"ib:editimage:(?P<channel>\d{1,20}):(?P<message>\d{1,20}):(?P<image>\d{1,20}):[0-9a-f]{8}"
)
PROMPT_FIELD = "prompt"
MODAL_SECONDS = 900
# Modals this process opened (custom_id -> when they expire): their own `on_submit` answers
# them. A submit whose custom_id is not here was opened before a restart (or by another
# process); `answer_edit_image_submit` answers it from the ids in the custom_id.
_open_here: dict[str, float] = {}


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

    def __init__(self, image: discord.Attachment, message: discord.Message) -> None:
        custom_id = f"ib:editimage:{message.channel.id}:{message.id}:{image.id}:{secrets.token_hex(4)}"
        super().__init__(timeout=MODAL_SECONDS, custom_id=custom_id)
        self.image = image
        self.message = message
        now = time.monotonic()
        for stale in [key for key, until in _open_here.items() if until < now]:
            del _open_here[stale]
        _open_here[custom_id] = now + MODAL_SECONDS + 60

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Run the edit with the guild's chat image model."""
        requested = RequestedOptions(model=None, count=None, aspect_ratio=None, private=None)
        await run_with_image(interaction, self.prompt.value, self.image, requested, message=self.message)

    async def on_error(self, interaction: Interaction, error: Exception) -> None:  # type: ignore[override]
        """Answer through the common error reporter."""
        await report_error(interaction, error)


class ChatImage(commands.Cog):
    """`/chatimage` and the "Edit image" message action."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.edit_menu = app_commands.ContextMenu(name="Edit image", callback=self.edit_image)
        # Servers only unless the operator opened DMs / user installs (then the operator's rules).
        apply_reach(self.edit_menu, bot.settings)
        apply_reach(self.chatimage, bot.settings)

    async def cog_load(self) -> None:
        """Register the message action (context menus cannot live inside a cog class)."""
        self.bot.tree.add_command(self.edit_menu)

    async def cog_unload(self) -> None:
        """Remove the message action."""
        self.bot.tree.remove_command(self.edit_menu.name, type=self.edit_menu.type)

    @app_commands.command(name="chatimage")
    @app_commands.autocomplete(model=chat_model_autocomplete)
    async def chatimage(
        self,
        interaction: Interaction,
        prompt: app_commands.Range[str, 1, 4000],
        model: app_commands.Range[str, 1, 100] | None = None,
        image: discord.Attachment | None = None,
        private: bool | None = None,
        image2: discord.Attachment | None = None,
        image3: discord.Attachment | None = None,
        image4: discord.Attachment | None = None,
    ) -> None:
        """Chat with a multimodal model that answers with text and images.

        Args:
            prompt: What to make, or how to change the image.
            model: Chat image model (default: this server's).
            image: An image to edit or use as reference.
            private: Only you see the result.
            image2: Another reference image.
            image3: Another reference image.
            image4: Another reference image.
        """
        requested = RequestedOptions(model=model, count=None, aspect_ratio=None, private=private)
        extras = [extra for extra in (image2, image3, image4) if extra is not None]
        if extras:
            images = [image, *extras] if image is not None else extras
            await run_blend(interaction, images, prompt, requested)
            return
        await run_with_image(interaction, prompt, image, requested)

    @commands.Cog.listener("on_interaction")
    async def edit_image_submitted(self, interaction: Interaction) -> None:
        """Answer "Edit image" modals opened before a restart (live ones answer themselves)."""
        await answer_edit_image_submit(interaction)

    async def edit_image(self, interaction: Interaction, message: discord.Message) -> None:
        """Open a prompt for editing the image of `message` (the modal is the first response)."""
        check_place(interaction)  # refuse before asking for a prompt, not after
        image = first_image(message)
        if image is None:
            raise InputError("That message has no image to edit.")
        check_attachment(image)
        await interaction.response.send_modal(EditImageModal(image, message))


async def answer_edit_image_submit(interaction: Interaction) -> bool:
    """Answer an "Edit image" modal opened before a restart: re-read its message for the image.

    Returns:
        Whether the interaction was such a submit (and so was answered).
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    match = EDIT_IMAGE_ID.fullmatch(custom_id)
    if match is None or custom_id in _open_here:
        return False
    from bot.discord.tree import report_error  # the tree imports the ui package

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


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(ChatImage(bot))
