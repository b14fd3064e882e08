"""Result buttons (restart-proof) and `/job`, which shows a past result with its buttons."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.buttons import on_edit_prompt_submit
from bot.discord.flows.undelivered import SpooledResult, describe_numbers
from bot.discord.replies import followups_left, send_followup
from bot.discord.views.actions import ImageActionSelect, ImagePickSelect, image_action_rows
from bot.discord.views.buttons import JobButton, result_row
from bot.discord.views.cards import job_card, part_card
from bot.errors import UserFacingError
from bot.i18n import text

Interaction = discord.Interaction[ImageBot]


class Results(commands.Cog):
    """Buttons on results and `/job`."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the dynamic buttons and menus so clicks on old messages keep working."""
        self.bot.add_dynamic_items(JobButton, ImageActionSelect, ImagePickSelect)

    async def cog_unload(self) -> None:
        """Unregister the dynamic buttons."""
        self.bot.remove_dynamic_items(JobButton, ImageActionSelect, ImagePickSelect)

    @commands.Cog.listener("on_modal_submit")
    async def edit_prompt_submitted(self, interaction: Interaction) -> None:
        """Answer edit-prompt modal submits, including those opened before a restart."""
        await on_edit_prompt_submit(interaction)

    @app_commands.command(name="job")
    async def job(self, interaction: Interaction, job_id: app_commands.Range[str, 4, 32]) -> None:
        """Show a past generation by its job id, with its buttons.

        Args:
            job_id: The id shown under a result.
        """
        job_id = job_id.strip()
        spooled = self.bot.undelivered.get(job_id)
        if spooled is not None and spooled.owner_id == interaction.user.id:
            # Images Discord would not take earlier; served from memory (the database may be down).
            await send_spooled(interaction, spooled)
            return
        job = await self.bot.store.get_job(job_id)
        if job is None or (job.guild_id is not None and job.guild_id != interaction.guild_id):
            raise UserFacingError.keyed("job.not_found")
        if job.user_id != interaction.user.id and not interaction.permissions.manage_messages:
            raise UserFacingError.keyed("job.not_yours")
        await interaction.response.send_message(
            view=job_card(
                job,
                actions=[
                    result_row(job.id, interaction.locale),
                    *image_action_rows(job.id, job.image_count, interaction.locale),
                ],
                locale=interaction.locale,
            ),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def send_spooled(interaction: Interaction, spooled: SpooledResult) -> None:
    """Hand the member the images of their job that could not be posted (privately)."""
    numbers = describe_numbers(spooled.numbers, interaction.locale)
    header = text(interaction.locale, "job.spooled", images=numbers, job_id=spooled.job_id)
    total = len(spooled.batches)
    for index, batch in enumerate(spooled.batches, start=1):
        files = [discord.File(io.BytesIO(f.data), filename=f.filename) for f in batch]
        card = part_card(
            files,
            job_id=spooled.job_id,
            part=(index, total),
            spoiler=any(f.filename.startswith("SPOILER_") for f in batch),
            lead=header if index == 1 else None,
            locale=interaction.locale,
        )
        kwargs: dict[str, Any] = {
            "view": card,
            "files": files,
            "ephemeral": True,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        if index == 1:
            await interaction.response.send_message(**kwargs)
        elif followups_left(interaction) == 0:
            return  # a user install's last follow-up is spent; `/job` again sends them anew
        else:
            await send_followup(interaction, **kwargs)


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Results(bot))
