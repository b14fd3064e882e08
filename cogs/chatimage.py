"""`/chatimage` and the "Edit image" message action: a multimodal chat model streams text and images."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import chat_model_autocomplete
from bot.discord.flows.blend import run_blend
from bot.discord.flows.edit_image import EditImageModal, OpenModals, answer_edit_image_submit, run_with_image
from bot.discord.flows.inputs import check_attachment, first_image
from bot.discord.flows.place import apply_reach, check_place
from bot.errors import InputError
from bot.policy import RequestedOptions
from bot.policy.schemas import MAX_NEGATIVE_PROMPT, MAX_SEED, Resolution

Interaction = discord.Interaction[ImageBot]


class ChatImage(commands.Cog):
    """`/chatimage` and the "Edit image" message action."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.open_modals = OpenModals()  # "Edit image" modals this bot opened
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
        resolution: Resolution | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        negative_prompt: app_commands.Range[str, 1, MAX_NEGATIVE_PROMPT] | None = None,
        enhance: bool | None = None,
        links: app_commands.Range[str, 1, 1000] | None = None,
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
            resolution: Output resolution (models that offer it).
            seed: Same seed, same prompt: a similar image (models that offer it).
            negative_prompt: What the image should not show (models that offer it).
            enhance: Let a chat model enrich the prompt first.
            links: Links to messages in this server whose images to use, space-separated.
        """
        requested = RequestedOptions(
            model=model,
            private=private,
            resolution=resolution,
            seed=seed,
            negative_prompt=negative_prompt,
            enhance=enhance,
        )
        extras = [extra for extra in (image2, image3, image4) if extra is not None]
        if extras or links:
            images = [image, *extras] if image is not None else extras
            await run_blend(interaction, images, prompt, requested, links=links, minimum=1)
            return
        await run_with_image(interaction, prompt, image, requested)

    @commands.Cog.listener("on_modal_submit")
    async def edit_image_submitted(self, interaction: Interaction) -> None:
        """Answer "Edit image" modals opened before a restart (live ones answer themselves)."""
        await answer_edit_image_submit(interaction, self.open_modals)

    async def edit_image(self, interaction: Interaction, message: discord.Message) -> None:
        """Open a prompt for editing the image of `message` (the modal is the first response)."""
        check_place(interaction)  # refuse before asking for a prompt, not after
        image = first_image(message)
        if image is None:
            raise InputError.keyed("input.no_image_to_edit")
        check_attachment(image)
        await interaction.response.send_modal(
            EditImageModal(image, message, self.open_modals, interaction.locale)
        )


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(ChatImage(bot))
