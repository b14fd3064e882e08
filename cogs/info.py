"""`/help` (what the bot does, the member's limits here today) and `/about` (version, privacy).

Both answer ephemerally in the member's language and work wherever Discord offers them: in
servers, in the DM with the bot, and through a user install when the operator allows those.
The limits are read from the same places admission checks them (the jobs table through
`Store.images_today` / `Store.monthly_spend`, the cooldown through `Limits`), so `/help` shows
what the next `/imagine` would meet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ImageBot
from bot.discord.flows.place import apply_info_reach, place_of
from bot.discord.replies import send_followup
from bot.error_messages import localized_message
from bot.i18n import text
from bot.limits import cooldown_key
from bot.money import OperatorRefusal
from bot.storage._admission import day_start, next_month
from bot.version import version

Interaction = discord.Interaction[ImageBot]
NO_MENTIONS = discord.AllowedMentions.none()


def _stamp(when: dt.datetime) -> str:
    return f"<t:{int(when.timestamp())}:R>"


def _usd(amount: Decimal | float) -> str:
    return f"${amount:,.2f}"


class Info(commands.Cog):
    """`/help` and `/about` for every member."""

    def __init__(self, bot: ImageBot) -> None:
        self.bot = bot
        for command in (self.help, self.about):
            apply_info_reach(command, bot.settings)

    @app_commands.command(name="help")
    async def help(self, interaction: Interaction) -> None:
        """What this bot does, and your limits here today."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = interaction.locale
        lines = [text(locale, "help.title"), text(locale, "help.intro"), ""]
        lines.extend(await self.limits_lines(interaction))
        await send_followup(
            interaction, "\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def limits_lines(self, interaction: Interaction) -> list[str]:
        """The member's limits where the interaction comes from, as admission would apply them."""
        locale = interaction.locale
        generation = self.bot.generation
        place = place_of(interaction)
        if not generation.operator.allows(place):
            return [text(locale, "help.closed")]
        guild_id = interaction.guild_id if place == "server" else None
        user_id = interaction.user.id
        try:
            generation.cost.check(user_id, guild_id)  # paused, or this member or server blocked
        except OperatorRefusal as refusal:
            return [localized_message(refusal, locale)]
        guild, _ = await generation.fetch_settings(guild_id, interaction.channel_id)
        store = self.bot.store
        now = discord.utils.utcnow()
        tomorrow = day_start(now) + dt.timedelta(days=1)
        lines = [text(locale, "help.limits_server" if guild_id is not None else "help.limits_outside")]
        if guild.daily_quota is not None:
            used = await store.images_today(guild_id, user_id)
            left = max(guild.daily_quota - used, 0)
            lines.append(
                text(
                    locale,
                    "help.quota",
                    used=used,
                    quota=guild.daily_quota,
                    left=left,
                    reset=_stamp(tomorrow),
                )
            )
        else:
            lines.append(text(locale, "help.quota_none"))
        cap = generation.cost.user_daily_images
        if cap is not None:
            used_everywhere = await store.images_today_everywhere(user_id)
            lines.append(text(locale, "help.operator_quota", used=used_everywhere, cap=cap))
        if guild.cooldown_seconds:
            remaining = await generation.limits.cooldown_remaining(cooldown_key(guild_id, user_id))
            if remaining:
                lines.append(
                    text(
                        locale,
                        "help.cooldown_wait",
                        seconds=guild.cooldown_seconds,
                        remaining=max(1, round(remaining)),
                    )
                )
            else:
                lines.append(text(locale, "help.cooldown", seconds=guild.cooldown_seconds))
        else:
            lines.append(text(locale, "help.cooldown_none"))
        if guild.monthly_budget is None:
            lines.append(text(locale, "help.budget_none"))
        else:
            spent, _ = await store.monthly_spend(guild_id)
            values = {"spent": _usd(spent), "budget": _usd(guild.monthly_budget)}
            if spent >= Decimal(str(guild.monthly_budget)):  # admission's rule: refused from here
                lines.append(text(locale, "help.budget_spent", reset=_stamp(next_month(now)), **values))
            else:
                lines.append(text(locale, "help.budget_open", **values))
        return lines

    @app_commands.command(name="about")
    async def about(self, interaction: Interaction) -> None:
        """Version, what the bot stores about you and for how long."""
        locale = interaction.locale
        settings = self.bot.settings
        lines = [
            text(locale, "about.title", version=version()),
            text(locale, "about.stored"),
            text(locale, "about.sent"),
            text(locale, "about.retention", days=settings.retention_days),
            text(locale, "about.forgetme"),
        ]
        links = []
        if settings.privacy_policy_url is not None:
            links.append(text(locale, "about.privacy_policy", url=f"<{settings.privacy_policy_url}>"))
        if settings.terms_url is not None:
            links.append(text(locale, "about.terms", url=f"<{settings.terms_url}>"))
        lines.extend(links or [text(locale, "about.no_links")])
        await interaction.response.send_message(
            "\n\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: ImageBot) -> None:
    """Load the cog."""
    await bot.add_cog(Info(bot))
