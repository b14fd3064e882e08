"""Reports to a guild's log channel: flagged prompts, content-policy refusals, config changes.

Reports are in the server's language (Discord's "preferred locale" of the guild, as cached):
the log channel is read by every moderator, whatever each one's own Discord language.

Everything a member or a provider wrote (prompts, matched terms, refusal reasons, values) is
shown through `display`: markdown and masked links escaped, mentions broken. A moderator reads
the text as it was typed, never a live `[link](…)` or a raw `@everyone`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.discord.views.text import display, truncate
from bot.i18n import text

if TYPE_CHECKING:
    from bot.discord.app import ImageBot
    from bot.jobs import Plan

log = logging.getLogger(__name__)


class ModLog:
    """Posts moderation reports; every failure is logged, never raised to the member."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot

    def locale_of(self, guild_id: int | None) -> discord.Locale | None:
        """The server's language, from the guild cache (None, i.e. English, when unknown)."""
        guild = self.bot.get_guild(guild_id) if guild_id is not None else None
        return guild.preferred_locale if guild is not None else None

    async def _send(self, guild_id: int | None, embed: discord.Embed, channel_id: int | None = None) -> bool:
        if guild_id is None:
            return False
        if channel_id is None:
            channel_id = (await self.bot.store.get_guild_settings(guild_id)).log_channel_id
        if channel_id is None:
            return False
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("log channel %s of guild %s refused a report: %s", channel_id, guild_id, exc)
            return False
        return True

    async def flagged(self, plan: Plan, jump_url: str | None) -> bool:
        """Report a prompt that matched a flagged term (it is still generated)."""
        locale = self.locale_of(plan.requester.guild_id)
        embed = discord.Embed(title=text(locale, "modlog.flagged"), colour=discord.Colour.orange())
        self._describe(embed, plan, jump_url, locale)
        matched = display(", ".join(plan.flagged_terms), 1024)
        embed.add_field(name=text(locale, "modlog.matched"), value=matched, inline=False)
        return await self._send(plan.requester.guild_id, embed)

    async def refused(self, plan: Plan, reason: str) -> bool:
        """Report a content-policy refusal from the gateway."""
        locale = self.locale_of(plan.requester.guild_id)
        embed = discord.Embed(title=text(locale, "modlog.refused"), colour=discord.Colour.red())
        self._describe(embed, plan, None, locale)
        embed.add_field(name=text(locale, "modlog.reason"), value=display(reason, 1024), inline=False)
        return await self._send(plan.requester.guild_id, embed)

    async def config_changed(
        self,
        guild_id: int,
        actor_id: int,
        changes: list[tuple[str, str, str]],
        *,
        channel_id: int | None = None,
    ) -> bool:
        """Post configuration changes (who, what, old -> new).

        Args:
            guild_id: The guild.
            actor_id: The moderator who changed them.
            changes: (field, old, new) triples in the server's language, values already shown as
                `/config` shows them (`bot.discord.views.config.modlog_changes` with `locale_of`).
            channel_id: Post here instead of the current log channel (e.g. the one just unset).
        """
        locale = self.locale_of(guild_id)
        embed = discord.Embed(title=text(locale, "modlog.changed"), colour=discord.Colour.blurple())
        embed.add_field(name=text(locale, "modlog.by"), value=f"<@{actor_id}>", inline=False)
        for field_name, old, new in changes[:20]:
            embed.add_field(
                name=display(field_name, 256), value=truncate(f"{old} → {new}", 1024), inline=False
            )
        return await self._send(guild_id, embed)

    @staticmethod
    def _describe(embed: discord.Embed, plan: Plan, jump_url: str | None, locale: object) -> None:
        req = plan.requester
        embed.add_field(name=text(locale, "modlog.user"), value=f"<@{req.user_id}> (`{req.user_id}`)")
        where = f"<#{req.channel_id}>" if req.channel_id else text(locale, "modlog.dm")
        embed.add_field(name=text(locale, "modlog.channel"), value=where)
        model = truncate(plan.options.model.replace("`", ""), 200)  # a backtick would end the code span
        embed.add_field(name=text(locale, "modlog.model"), value=f"`{model}`")
        embed.add_field(name=text(locale, "modlog.prompt"), value=display(plan.prompt, 1024), inline=False)
        embed.add_field(name=text(locale, "modlog.job"), value=f"`{plan.job_id}`")
        if jump_url:
            embed.add_field(
                name=text(locale, "modlog.result"), value=f"[{text(locale, 'modlog.jump')}]({jump_url})"
            )
