"""Member self-service: `/usage` (quota and recent jobs) and `/forgetme` (data deletion)."""

from __future__ import annotations

import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.place import apply_info_reach
from bot.discord.views.text import truncate
from bot.i18n import text
from bot.money import spend_sentence
from bot.storage._admission import day_start

Interaction = discord.Interaction[ImageBot]
NO_MENTIONS = discord.AllowedMentions.none()


class ConfirmForget(discord.ui.View):
    """A one-off confirmation (ephemeral; no need to survive restarts)."""

    def __init__(self, bot: ImageBot, user_id: int, locale: discord.Locale) -> None:
        super().__init__(timeout=120)
        self.bot = bot
        self.user_id = user_id
        self.confirm.label = text(locale, "forget.button")

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, _button: discord.ui.Button[ConfirmForget]) -> None:
        """Anonymise the member's jobs and audit entries, and drop their cooldowns."""
        rows, held = await self.bot.store.delete_user_data(self.user_id)
        await self.bot.generation.limits.forget_user(self.user_id)
        self.stop()
        locale = interaction.locale
        content = text(locale, "forget.done", rows=rows + held)
        if held:
            content += " " + text(locale, "forget.held", held=held)
        await interaction.response.edit_message(content=content, view=None, allowed_mentions=NO_MENTIONS)


class Member(commands.Cog):
    """Usage and privacy commands for every member."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        apply_info_reach(self.forgetme, bot.settings)  # wherever the bot can have data about you

    @app_commands.command(name="usage")
    @app_commands.guild_only()
    async def usage(self, interaction: Interaction) -> None:
        """Show your image quota on this server and your recent jobs."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        store = self.bot.store
        settings = await store.get_guild_settings(interaction.guild_id)
        lines = []
        if settings.daily_quota is not None:
            used = await store.images_today(interaction.guild_id, interaction.user.id)
            stamp = int((day_start(discord.utils.utcnow()) + datetime.timedelta(days=1)).timestamp())
            lines.append(f"**Today:** {used}/{settings.daily_quota} images used, resets <t:{stamp}:R>.")
        else:
            lines.append("**Quota:** this server sets no daily limit.")
        spent, in_flight = await store.monthly_spend(interaction.guild_id)
        spend = spend_sentence(spent, in_flight, settings.monthly_budget)
        lines.append(f"**Server spend this month:** {spend}.")
        if settings.cooldown_seconds:
            lines.append(f"**Cooldown:** {settings.cooldown_seconds} s between generations.")
        jobs = await self.bot.store.recent_jobs(interaction.guild_id, interaction.user.id, limit=5)
        if jobs:
            lines.append("**Recent jobs** (use `/job <id>`):")
            for job in jobs:
                stamp = int(job.created_at.timestamp())
                lines.append(f"`{job.id}` · {job.status} · `{truncate(job.model, 60)}` · <t:{stamp}:R>")
        await interaction.followup.send("\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="forgetme")
    async def forgetme(self, interaction: Interaction) -> None:
        """Delete your prompts and ids from the bot's records (asks to confirm)."""
        await interaction.response.send_message(
            text(interaction.locale, "forget.confirm"),
            view=ConfirmForget(self.bot, interaction.user.id, interaction.locale),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Member(bot))
