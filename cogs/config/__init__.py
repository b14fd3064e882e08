"""`/config`: moderators choose models, defaults, locks, moderation rules and limits for their server.

The group is hidden from members without Manage Server (`default_permissions`), and every
invocation checks the permission again (`_service.require_manage_guild`): servers can override
command permissions, and a role can lose Manage Server after Discord cached the command list.
Every change is one audited upsert (`bot.storage`), answered ephemerally with old → new and
posted to the log channel.

Layout: this module holds the cog, the group and its direct commands; the sub-groups live in
`_models` (model, allowed, count, channel) and `_moderation` (blocked, flagged,
provider-option); `_service` applies and answers, `_edits` holds the pure list/mapping edits,
`_parsing` reads input and `_format` renders.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.config import autocomplete as complete
from bot.discord.flows.config import edits as edits
from bot.discord.flows.config.reset import ConfirmReset
from bot.discord.flows.config.service import (
    Interaction,
    ModelId,
    checked_text_model,
    defer,
    guild_id_of,
    guild_settings,
    reply,
    require_manage_guild,
    update_guild,
)
from bot.discord.translator import translated_choices
from bot.discord.views.config import audit_embed, format_value, heading, settings_embed, usage_embed
from bot.errors import InputError
from bot.i18n import text
from bot.policy import AspectRatio, LockableOption
from cogs.config._models import AllowedGroup, ChannelGroup, CountGroup, ModelGroup
from cogs.config._moderation import BlockedGroup, FlaggedGroup, ProviderOptionGroup
from cogs.config._parameters import ParameterGroup

AUDIT_DEFAULT = 15


class Config(commands.Cog):
    """Server configuration for moderators (Manage Server)."""

    config = app_commands.Group(
        name="config",
        description="Configure image generation on this server (Manage Server).",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    model = ModelGroup(parent=config)
    allowed = AllowedGroup(parent=config)
    count = CountGroup(parent=config)
    provider_option = ProviderOptionGroup(parent=config)
    blocked = BlockedGroup(parent=config)
    flagged = FlaggedGroup(parent=config)
    channel = ChannelGroup(parent=config)
    parameter = ParameterGroup(parent=config)

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: Interaction, /) -> bool:  # type: ignore[override]
        """Refuse members without Manage Server (the sub-groups check for their own commands)."""
        return require_manage_guild(interaction)

    # --- overview ---------------------------------------------------------------------------

    @config.command(name="show")
    async def config_show(self, interaction: Interaction) -> None:
        """Show the settings that apply in this channel."""
        guild = await guild_settings(interaction)
        guild_id, channel_id = guild_id_of(interaction), interaction.channel_id or 0
        channel = await self.bot.store.get_channel_settings(guild_id, channel_id)
        overridden = await self.bot.store.list_channel_settings(guild_id)
        embed = settings_embed(
            guild,
            channel,
            channel_id=channel_id,
            defaults=self.bot.generation.defaults,
            overridden_channels=len(overridden),
            locale=interaction.locale,
        )
        await reply(interaction, embed=embed)

    @config.command(name="audit")
    async def config_audit(
        self, interaction: Interaction, limit: app_commands.Range[int, 1, 50] = AUDIT_DEFAULT
    ) -> None:
        """Show recent settings changes: who, what, old → new, when.

        Args:
            limit: How many changes to show.
        """
        await defer(interaction)
        entries = await self.bot.store.list_audit(guild_id_of(interaction), limit)
        await reply(interaction, embed=audit_embed(entries, interaction.locale))

    @config.command(name="usage")
    async def config_usage(self, interaction: Interaction, days: app_commands.Range[int, 1, 90] = 30) -> None:
        """Show generations, images and cost per member, and this month's spend against the budget.

        Args:
            days: How many days back to count.
        """
        await defer(interaction)
        guild_id = guild_id_of(interaction)
        since = discord.utils.utcnow() - datetime.timedelta(days=days)
        summary = await self.bot.store.usage_summary(guild_id, since)
        budget = (await guild_settings(interaction)).monthly_budget
        month = await self.bot.store.monthly_spend(guild_id)
        embed = usage_embed(summary, days, budget=budget, month=month, locale=interaction.locale)
        await reply(interaction, embed=embed)

    @config.command(name="reset")
    async def config_reset(self, interaction: Interaction) -> None:
        """Restore every default on this server (asks to confirm)."""
        await defer(interaction)
        overridden = list(await self.bot.store.list_channel_settings(guild_id_of(interaction)))
        if overridden:
            question = text(interaction.locale, "config.reset_question_channels", count=len(overridden))
        else:
            question = text(interaction.locale, "config.reset_question")
        await reply(interaction, question, view=ConfirmReset(interaction, overridden))

    # --- defaults and locks -------------------------------------------------------------------

    @config.command(name="aspect-ratio")
    @translated_choices
    async def config_aspect_ratio(
        self, interaction: Interaction, ratio: Literal[AspectRatio, "reset"]
    ) -> None:
        """Set the default aspect ratio ("reset": each model's own default).

        Args:
            ratio: Width:height.
        """
        await update_guild(interaction, aspect_ratio=None if ratio == "reset" else ratio)

    @config.command(name="lock")
    @translated_choices
    async def config_lock(self, interaction: Interaction, option: LockableOption, locked: bool) -> None:
        """Lock an option to the server's value so members cannot change it.

        Args:
            option: The option members would otherwise choose.
            locked: True to lock, False to unlock.
        """
        await update_guild(
            interaction,
            edits.set_lock(option, locked),
            fields=["locked_options"],
            notes=lambda settings: edits.lock_notes(settings, option),
        )

    @config.command(name="enhance")
    @app_commands.autocomplete(model=complete.text_models)
    async def config_enhance(
        self, interaction: Interaction, enabled: bool, model: ModelId | None = None
    ) -> None:
        """Let a chat model enrich every prompt before generation (members can turn it off).

        Args:
            enabled: True: enhance prompts unless the member says `enhance: False`.
            model: The chat model that rewrites them (default: this server's chat model).
        """
        changes: dict[str, Any] = {"enhance_prompts": enabled}
        found: list[str] = []
        if model is not None:
            changes["enhance_model"], found = await checked_text_model(interaction, model)
        await update_guild(interaction, fields=list(changes), extra_notes=found, **changes)

    @config.command(name="private")
    async def config_private(self, interaction: Interaction, enabled: bool) -> None:
        """Make results visible only to the member who asked, by default.

        Args:
            enabled: True: private unless the member says otherwise.
        """
        await update_guild(interaction, private_by_default=enabled)

    @config.command(name="nsfw")
    @translated_choices
    async def config_nsfw(self, interaction: Interaction, policy: Literal["never", "age_restricted"]) -> None:
        """Choose where age-restricted provider options may apply.

        Args:
            policy: never, or only in age-restricted channels.
        """
        await update_guild(interaction, nsfw_policy=policy)

    # --- reporting and limits -----------------------------------------------------------------

    @config.command(name="log-channel")
    async def config_log_channel(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Choose where reports and settings changes are posted (empty: stop posting).

        Args:
            channel: A text channel the bot can post in.
        """
        if channel is None:
            current = await guild_settings(interaction)
            if current.log_channel_id is not None:
                # Tell the old channel first: once cleared, the change has nowhere to go.
                where = self.bot.modlog.locale_of(guild_id_of(interaction))
                old = format_value("log_channel_id", current.log_channel_id)
                change = (
                    heading("log_channel_id", where),
                    old,
                    format_value("log_channel_id", None, locale=where),
                )
                await self.bot.modlog.config_changed(guild_id_of(interaction), interaction.user.id, [change])
            await update_guild(interaction, log_channel_id=None)
            return
        me = channel.guild.me
        perms = channel.permissions_for(me) if me is not None else None
        if perms is not None and not (perms.view_channel and perms.send_messages and perms.embed_links):
            raise InputError.keyed("config.cannot_post", channel=channel.mention)
        await update_guild(interaction, log_channel_id=channel.id)

    @config.command(name="cooldown")
    async def config_cooldown(
        self, interaction: Interaction, seconds: app_commands.Range[int, 0, 86400]
    ) -> None:
        """Set the wait between a member's generations (0: none).

        Args:
            seconds: Seconds between generations.
        """
        await update_guild(interaction, cooldown_seconds=seconds)

    @config.command(name="quota")
    async def config_quota(
        self, interaction: Interaction, images: app_commands.Range[int, 0, 100000]
    ) -> None:
        """Set how many images each member may make per day (0: unlimited).

        Args:
            images: Images per member per day.
        """
        await update_guild(interaction, daily_quota=images or None)

    @config.command(name="budget")
    async def config_budget(
        self, interaction: Interaction, usd: app_commands.Range[float, 0, 1_000_000]
    ) -> None:
        """Cap this server's AI spend per month in USD, from gateway-reported costs (0: no cap).

        Args:
            usd: Dollars per calendar month (UTC); 0 removes the cap.
        """
        await update_guild(interaction, monthly_budget=usd or None)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Config(bot))
