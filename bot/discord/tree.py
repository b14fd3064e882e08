"""`ImageBotTree`: the one place where every application-command failure is answered."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord.replies import respond
from bot.discord.state import state_of
from bot.error_messages import localized_message
from bot.errors import BotError, new_error_id
from bot.gateway.errors import GatewayError
from bot.i18n import text as i18n_text

if TYPE_CHECKING:
    from bot.discord.app import ImageBot

log = logging.getLogger(__name__)


def unwrap(error: BaseException) -> BaseException:
    """Strip discord.py's wrappers (`CommandInvokeError`, `TransformerError`) to the real cause."""
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        cause = error.__cause__ or getattr(error, "original", None)
        if cause is None:
            break
        error = cause
    return error


# Permissions whose name Discord shows in every language (catalogue `permission.*`); others
# read as their attribute name in English title case.
_PERMISSION_KEYS = {
    "manage_guild": "permission.manage_guild",
    "read_messages": "permission.view_channel",
    "view_channel": "permission.view_channel",
}


def permission_name(permission: str, locale: object = None) -> str:
    """Discord's UI name for a permission attribute (`manage_guild` -> "Manage Server")."""
    key = _PERMISSION_KEYS.get(permission)
    return i18n_text(locale, key) if key else permission.replace("_", " ").title()


def describe_app_error(error: app_commands.AppCommandError, locale: object = None) -> str | None:
    """Sentences for discord.py's own check failures (cooldowns, permissions, guild-only)."""
    if isinstance(error, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        perms = ", ".join(permission_name(p, locale) for p in error.missing_permissions)
        mine = isinstance(error, app_commands.BotMissingPermissions)
        return i18n_text(
            locale, "check.bot_permission" if mine else "check.member_permission", permissions=perms
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return i18n_text(locale, "check.guild_only")
    if isinstance(error, app_commands.CommandOnCooldown):
        return i18n_text(locale, "check.cooldown", seconds=f"{error.retry_after:.0f}")
    if isinstance(error, app_commands.CommandNotFound):
        return i18n_text(locale, "check.command_gone")
    if isinstance(error, app_commands.CheckFailure):
        return i18n_text(locale, "error.not_allowed")
    if isinstance(error, app_commands.TransformerError):
        return i18n_text(locale, "check.bad_value", type=error.type.name.lower())
    return None


class ImageBotTree(app_commands.CommandTree["ImageBot"]):
    """Command tree that stamps arrival time and answers every failure ephemerally."""

    async def interaction_check(self, interaction: discord.Interaction[ImageBot], /) -> bool:
        """Record when the interaction reached us, then wait for its turn in a burst.

        The arrival time is stamped first, so the deferral metric counts the wait.
        """
        state = state_of(interaction)
        if state.received_at is None:
            state.received_at = time.perf_counter()
        await interaction.client.pacer.turn()
        return True

    async def on_error(
        self, interaction: discord.Interaction[ImageBot], error: app_commands.AppCommandError, /
    ) -> None:
        """Answer the user with one short sentence and log the detail under an error id."""
        await report_error(interaction, error)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Log `error` with an id and tell the user, whatever state the interaction is in.

    Used by the tree, by views/modals (`on_error`) and by background job tasks.
    """
    cause = unwrap(error)
    error_id = new_error_id()
    command = (
        interaction.command.qualified_name
        if interaction.command
        else interaction.data and interaction.data.get("custom_id")
    )
    context = (error_id, command, interaction.guild_id, interaction.user.id)
    text: str | None = None
    locale = interaction.locale
    if isinstance(cause, app_commands.AppCommandError):
        text = describe_app_error(cause, locale)
    if isinstance(cause, discord.Forbidden) and cause.code == 50013:
        text = i18n_text(locale, "error.missing_permission")
    if text is None:
        text = localized_message(cause, locale)
    if isinstance(cause, BotError | app_commands.AppCommandError):
        log.info("refused [%s] /%s guild=%s user=%s: %s", *context, cause)
    elif isinstance(cause, GatewayError):
        log.warning("gateway error [%s] /%s guild=%s user=%s: %s", *context, cause)
    else:
        log.error("unexpected error [%s] /%s guild=%s user=%s", *context, exc_info=cause)
    metrics = getattr(interaction.client, "metrics", None)
    if metrics is not None and isinstance(cause, GatewayError):
        metrics.gateway_errors_total.labels(error=type(cause).__name__).inc()
    await respond(interaction, f"⚠️ {text}\n-# {i18n_text(locale, 'error.id', error_id=error_id)}")
