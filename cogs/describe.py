"""`/describe` and the "Describe image" message action: an image -> 3 prompt suggestions."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.autocomplete import chat_model_autocomplete
from bot.discord.flows.describe import SuggestionButton, run_describe
from bot.discord.flows.inputs import first_image
from bot.discord.flows.place import apply_reach, check_place
from bot.errors import InputError

Interaction = discord.Interaction[ImageBot]


class Describe(commands.Cog):
    """`/describe`, "Describe image" and the restart-proof suggestion buttons."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        self.describe_menu = app_commands.ContextMenu(name="Describe image", callback=self.describe_message)
        # Servers only unless the operator opened DMs / user installs (then the operator's rules).
        apply_reach(self.describe_menu, bot.settings)
        apply_reach(self.describe, bot.settings)

    async def cog_load(self) -> None:
        """Register the message action and the suggestion buttons (clicks survive restarts)."""
        self.bot.tree.add_command(self.describe_menu)
        self.bot.add_dynamic_items(SuggestionButton)

    async def cog_unload(self) -> None:
        """Remove the message action and the buttons."""
        self.bot.tree.remove_command(self.describe_menu.name, type=self.describe_menu.type)
        self.bot.remove_dynamic_items(SuggestionButton)

    @app_commands.command(name="describe")
    @app_commands.autocomplete(model=chat_model_autocomplete)
    async def describe(
        self,
        interaction: Interaction,
        image: discord.Attachment,
        model: app_commands.Range[str, 1, 100] | None = None,
        private: bool | None = None,
    ) -> None:
        """Suggest 3 prompts for an image; a button runs /imagine with one.

        Args:
            image: The image to describe (PNG, JPEG, WebP or GIF).
            model: Vision chat model (default: this server's chat image model).
            private: Only you see the suggestions.
        """
        await run_describe(interaction, image, model, private)

    async def describe_message(self, interaction: Interaction, message: discord.Message) -> None:
        """Suggest prompts for the first image of `message`."""
        check_place(interaction)
        image = first_image(message)
        if image is None:
            raise InputError.keyed("input.no_image_to_describe")
        await run_describe(interaction, image, None, None, message=message)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Describe(bot))
