"""Member self-service: `/usage` (quota and recent jobs) and `/forgetme` (data deletion)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.member import answer_usage, ask_forget
from bot.discord.flows.place import apply_info_reach

Interaction = discord.Interaction[ImageBot]


class Member(commands.Cog):
    """Usage and privacy commands for every member."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        apply_info_reach(self.forgetme, bot.settings)  # wherever the bot can have data about you

    @app_commands.command(name="usage")
    @app_commands.guild_only()
    async def usage(self, interaction: Interaction) -> None:
        """Show your image quota on this server and your recent jobs."""
        await answer_usage(interaction)

    @app_commands.command(name="forgetme")
    async def forgetme(self, interaction: Interaction) -> None:
        """Delete your prompts and ids from the bot's records (asks to confirm)."""
        await ask_forget(interaction)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Member(bot))
