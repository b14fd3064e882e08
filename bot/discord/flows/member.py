"""Member self-service: what `/usage` shows, and `/forgetme` (confirm, then delete)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import discord

from bot.discord.app import ImageBot
from bot.discord.replies import send_followup
from bot.discord.views.cards import status_label
from bot.discord.views.text import truncate
from bot.i18n import text
from bot.storage._admission import day_start

Interaction = discord.Interaction[ImageBot]
NO_MENTIONS = discord.AllowedMentions.none()


async def answer_usage(interaction: Interaction) -> None:
    """`/usage`: today's quota, this month's spend, the cooldown and the member's recent jobs."""
    assert interaction.guild_id is not None
    await interaction.response.defer(ephemeral=True, thinking=True)
    store = interaction.client.store
    locale = interaction.locale
    settings = await store.get_guild_settings(interaction.guild_id)
    lines = []
    if settings.daily_quota is not None:
        used = await store.images_today(interaction.guild_id, interaction.user.id)
        stamp = int((day_start(discord.utils.utcnow()) + datetime.timedelta(days=1)).timestamp())
        lines.append(
            text(locale, "usage.today", used=used, quota=settings.daily_quota, reset=f"<t:{stamp}:R>")
        )
    else:
        lines.append(text(locale, "usage.no_quota"))
    spent, in_flight = await store.monthly_spend(interaction.guild_id)
    lines.append(spend_line(locale, spent, in_flight, settings.monthly_budget))
    if settings.cooldown_seconds:
        lines.append(text(locale, "usage.cooldown", seconds=settings.cooldown_seconds))
    jobs = await store.recent_jobs(interaction.guild_id, interaction.user.id, limit=5)
    if jobs:
        lines.append(text(locale, "usage.recent"))
        for job in jobs:
            stamp = int(job.created_at.timestamp())
            status = status_label(job.status, locale)
            lines.append(f"`{job.id}` · {status} · `{truncate(job.model, 60)}` · <t:{stamp}:R>")
    await send_followup(interaction, "\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS)


def spend_line(locale: object, spent: Decimal, in_flight: Decimal, budget: float | None) -> str:
    """The month's spend line of `/usage` in the member's language, reservations included."""
    if budget is None:
        line = text(locale, "usage.spend_no_budget", spent=f"${spent:,.2f}")
    else:
        line = text(locale, "usage.spend", spent=f"${spent:,.2f}", budget=f"${budget:,.2f}")
    if in_flight > 0:
        line += " " + text(locale, "usage.in_flight", reserved=f"${in_flight:,.2f}")
    return line


class ConfirmForget(discord.ui.View):
    """A one-off confirmation (ephemeral; no need to survive restarts)."""

    def __init__(self, user_id: int, locale: discord.Locale) -> None:
        super().__init__(timeout=120)
        self.user_id = user_id
        self.confirm.label = text(locale, "forget.button")

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, _button: discord.ui.Button[ConfirmForget]) -> None:
        """Anonymise the member's jobs and audit entries; drop their cooldowns and kept results."""
        bot = interaction.client
        rows, held = await bot.store.delete_user_data(self.user_id)
        await bot.generation.limits.forget_user(self.user_id)
        results = bot.undelivered.forget_owner(self.user_id)
        self.stop()
        locale = interaction.locale
        content = text(locale, "forget.done", rows=rows + held)
        if held:
            content += " " + text(locale, "forget.held", held=held)
        if results:
            content += " " + text(locale, "forget.results", results=results)
        await interaction.response.edit_message(content=content, view=None, allowed_mentions=NO_MENTIONS)


async def ask_forget(interaction: Interaction) -> None:
    """`/forgetme`: say what goes, and ask to confirm (ephemeral)."""
    await interaction.response.send_message(
        text(interaction.locale, "forget.confirm"),
        view=ConfirmForget(interaction.user.id, interaction.locale),
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )
