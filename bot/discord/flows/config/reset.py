"""The confirmation of `/config reset` (ephemeral and short-lived: it need not survive a restart)."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord.flows.config.service import NO_MENTIONS, Interaction
from bot.discord.tree import report_error
from bot.discord.views.config import changed_fields, heading, modlog_changes
from bot.i18n import text
from bot.policy.schemas import GuildSettings

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120


class ConfirmReset(discord.ui.View):
    """The "Reset everything" / "Cancel" buttons for the moderator who ran `/config reset`.

    Args:
        origin: The `/config reset` interaction (its message is edited on timeout).
        overridden: Channels that have overrides (removed too).
    """

    def __init__(self, origin: Interaction, overridden: list[int]) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.origin = origin
        self.overridden = overridden
        self.confirm.label = text(origin.locale, "button.reset_everything")
        self.cancel.label = text(origin.locale, "button.cancel")

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Only the moderator who asked, and only while they still have Manage Server."""
        if interaction.user.id != self.origin.user.id:
            refusal = text(interaction.locale, "config.reset_not_yours")
        elif not interaction.permissions.manage_guild:
            refusal = text(interaction.locale, "config.reset_needs_manage")
        else:
            return True
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return False

    @discord.ui.button(label="Reset everything", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, _button: discord.ui.Button[ConfirmReset]) -> None:
        """Restore every default and remove every channel override (each field audited)."""
        self.stop()
        await interaction.response.defer()
        bot = interaction.client
        guild_id, actor_id = self.origin.guild_id, interaction.user.id
        assert guild_id is not None
        before = await bot.store.get_guild_settings(guild_id)
        # ModLog posts to the log channel currently configured, and the reset removes it:
        # announce first, while it is still set (the diff is known: everything -> defaults).
        where = bot.modlog.locale_of(guild_id)  # the log channel reads the server's language
        report = modlog_changes(changed_fields(before, GuildSettings()), locale=where)
        if self.overridden:
            channels = text(where, "value.channels", count=len(self.overridden))
            report.append((heading("channel_overrides", where), channels, text(where, "value.none")))
        if report:
            await bot.modlog.config_changed(guild_id, actor_id, report)
        old, new = await bot.store.reset_guild_settings(guild_id, actor_id)
        for channel_id in self.overridden:
            await bot.store.reset_channel_settings(guild_id, channel_id, actor_id)
        fields = len(changed_fields(old, new))
        await interaction.edit_original_response(
            content=text(
                interaction.locale, "config.reset_done", fields=fields, channels=len(self.overridden)
            ),
            view=None,
            allowed_mentions=NO_MENTIONS,
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: Interaction, _button: discord.ui.Button[ConfirmReset]) -> None:
        """Leave everything as it is."""
        self.stop()
        await interaction.response.edit_message(
            content=text(interaction.locale, "config.reset_cancelled"), view=None
        )

    async def on_timeout(self) -> None:
        """Take the buttons away so a late click cannot surprise anyone."""
        try:
            await self.origin.edit_original_response(
                content=text(self.origin.locale, "config.reset_timed_out"), view=None
            )
        except discord.HTTPException as exc:
            log.info("could not close the reset confirmation: %s", exc)

    async def on_error(  # type: ignore[override]  # narrower client type than discord.py's generic
        self, interaction: Interaction, error: Exception, _item: discord.ui.Item[Any], /
    ) -> None:
        """Answer like every command failure (ephemeral sentence with an error id)."""
        await report_error(interaction, error)
