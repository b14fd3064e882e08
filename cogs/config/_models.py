"""`/config model`, `/config allowed`, `/config count` and `/config channel`: models and defaults."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands

from bot.discord.flows.config import autocomplete as complete
from bot.discord.flows.config import edits as edits
from bot.discord.flows.config.service import (
    ImageCount,
    Interaction,
    ModelId,
    ModeratorGroup,
    checked_model,
    defer,
    guild_id_of,
    guild_settings,
    reply,
    update_channel,
    update_guild,
)
from bot.discord.translator import translated_choices
from bot.discord.views.config import channels_listing, heading, listing
from bot.errors import InputError
from bot.i18n import Phrase, text
from bot.policy import AspectRatio


class ModelGroup(ModeratorGroup, name="model", description="Default models."):
    """`/config model image|chat|reset`."""

    @app_commands.command(name="image")
    @app_commands.autocomplete(model=complete.image_models)
    async def model_image(self, interaction: Interaction, model: ModelId) -> None:
        """Set the default model for /imagine.

        Args:
            model: Image model id from the gateway's catalogue.
        """
        model, found = await checked_model(interaction, model, "images")
        await update_guild(
            interaction,
            image_model=model,
            extra_notes=found,
            notes=lambda s: edits.model_notes(s, model, "images"),
        )

    @app_commands.command(name="chat")
    @app_commands.autocomplete(model=complete.chat_models)
    async def model_chat(self, interaction: Interaction, model: ModelId) -> None:
        """Set the default model for /chatimage.

        Args:
            model: Chat model id that returns images.
        """
        model, found = await checked_model(interaction, model, "chat")
        await update_guild(
            interaction,
            chat_model=model,
            extra_notes=found,
            notes=lambda s: edits.model_notes(s, model, "chat"),
        )

    @app_commands.command(name="reset")
    @translated_choices
    async def model_reset(
        self, interaction: Interaction, which: Literal["image", "chat", "both"] = "both"
    ) -> None:
        """Go back to the global default model.

        Args:
            which: Which default to reset.
        """
        changes: dict[str, Any] = {
            f"{kind}_model": None for kind in ("image", "chat") if which in (kind, "both")
        }
        await update_guild(interaction, **changes)


class AllowedGroup(ModeratorGroup, name="allowed", description="Models members may pick."):
    """`/config allowed add|remove|list|clear`."""

    @app_commands.command(name="add")
    @app_commands.autocomplete(model=complete.any_image_models)
    async def allowed_add(self, interaction: Interaction, model: ModelId) -> None:
        """Allow a model (while the list is empty, every image model is allowed).

        Args:
            model: Image-capable model id.
        """
        model, found = await checked_model(interaction, model, None)
        await update_guild(
            interaction,
            edits.add_model(model),
            fields=["allowed_models"],
            extra_notes=found,
            notes=edits.allowed_notes,
        )

    @app_commands.command(name="remove")
    @app_commands.autocomplete(model=complete.allowed_models)
    async def allowed_remove(self, interaction: Interaction, model: ModelId) -> None:
        """Remove a model from the allowed list.

        Args:
            model: A model on the list.
        """
        if model not in (await guild_settings(interaction)).allowed_models:
            raise InputError.keyed("config.not_on_allowed_list", model=model)
        await update_guild(
            interaction, edits.remove_model(model), fields=["allowed_models"], notes=edits.allowed_notes
        )

    @app_commands.command(name="list")
    async def allowed_list(self, interaction: Interaction) -> None:
        """List the models members may pick."""
        models = (await guild_settings(interaction)).allowed_models
        locale = interaction.locale
        title = heading("allowed_models", locale)
        await reply(
            interaction, listing(title, models, empty=text(locale, "config.allowed_empty"), locale=locale)
        )

    @app_commands.command(name="clear")
    async def allowed_clear(self, interaction: Interaction) -> None:
        """Empty the allowed list: members may pick any image model."""
        await update_guild(interaction, allowed_models=[])


class CountGroup(ModeratorGroup, name="count", description="Images per request."):
    """`/config count default|max`."""

    @app_commands.command(name="default")
    async def count_default(self, interaction: Interaction, count: ImageCount) -> None:
        """Set how many images a request makes when the member gives no count.

        Args:
            count: Images per request.
        """
        await update_guild(interaction, default_count=count)

    @app_commands.command(name="max")
    async def count_max(self, interaction: Interaction, count: ImageCount) -> None:
        """Set the most images a member may ask for at once.

        Args:
            count: Maximum images per request.
        """
        await update_guild(interaction, max_count=count)


class ChannelGroup(ModeratorGroup, name="channel", description="Per-channel overrides."):
    """`/config channel set|reset|list`."""

    @app_commands.command(name="set")
    @translated_choices
    @app_commands.autocomplete(image_model=complete.image_models, chat_model=complete.chat_models)
    async def channel_set(
        self,
        interaction: Interaction,
        channel: discord.TextChannel | None = None,
        image_model: ModelId | None = None,
        chat_model: ModelId | None = None,
        count: ImageCount | None = None,
        aspect_ratio: AspectRatio | None = None,
        private: bool | None = None,
    ) -> None:
        """Override server defaults in one channel.

        Args:
            channel: The channel (default: this one).
            image_model: Default /imagine model here.
            chat_model: Default /chatimage model here.
            count: Default images per request here.
            aspect_ratio: Default aspect ratio here.
            private: Private results by default here.
        """
        changes: dict[str, Any] = {
            "default_count": count,
            "aspect_ratio": aspect_ratio,
            "private_by_default": private,
        }
        notes: list[str] = []
        if image_model is not None:
            changes["image_model"], found = await checked_model(interaction, image_model, "images")
            notes += found
        if chat_model is not None:
            changes["chat_model"], found = await checked_model(interaction, chat_model, "chat")
            notes += found
        changes = {name: value for name, value in changes.items() if value is not None}
        if not changes:
            raise InputError.keyed("config.give_a_setting")
        cap = (await guild_settings(interaction)).max_count
        if count is not None and count > cap:
            notes.append(Phrase("config.count_capped", cap=cap))
        target_id, name = _target(interaction, channel)
        await update_channel(interaction, target_id, name, extra_notes=notes, **changes)

    @app_commands.command(name="reset")
    async def channel_reset(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Remove every override of a channel.

        Args:
            channel: The channel (default: this one).
        """
        target_id, name = _target(interaction, channel)
        await update_channel(interaction, target_id, name, reset=True)

    @app_commands.command(name="list")
    async def channel_list(self, interaction: Interaction) -> None:
        """List the channels that override server defaults."""
        await defer(interaction)
        overrides = await interaction.client.store.list_channel_settings(guild_id_of(interaction))
        await reply(interaction, channels_listing(overrides, interaction.locale))


def _target(interaction: Interaction, channel: discord.TextChannel | None) -> tuple[int, str | None]:
    """The channel a `/config channel` command is about: the one named, else this one."""
    if channel is not None:
        return channel.id, channel.name
    if interaction.channel_id is None:
        raise InputError.keyed("config.name_the_channel")
    return interaction.channel_id, getattr(interaction.channel, "name", None)
