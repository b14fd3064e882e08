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
from bot.i18n import localize
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


_PERMISSION_NAMES = {
    "manage_guild": "Manage Server",
    "read_messages": "View Channel",
    "view_channel": "View Channel",
}


def permission_name(permission: str) -> str:
    """Discord's UI name for a permission attribute (`manage_guild` -> "Manage Server")."""
    return _PERMISSION_NAMES.get(permission, permission.replace("_", " ").title())


def describe_app_error(error: app_commands.AppCommandError) -> str | None:
    """Sentences for discord.py's own check failures (cooldowns, permissions, guild-only)."""
    if isinstance(error, app_commands.MissingPermissions):
        perms = ", ".join(permission_name(p) for p in error.missing_permissions)
        return f"You need the {perms} permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        perms = ", ".join(permission_name(p) for p in error.missing_permissions)
        return f"I need the {perms} permission in this channel. Ask a server admin to grant it."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down — try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CommandNotFound):
        return "That command is not available any more. Discord may still be updating your command list."
    if isinstance(error, app_commands.CheckFailure):
        return "You are not allowed to use this command here."
    if isinstance(error, app_commands.TransformerError):
        return f"That value for {error.type.name.lower()} is not valid."
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
    if isinstance(cause, app_commands.AppCommandError):
        text = describe_app_error(cause)
    locale = interaction.locale
    if text is not None:
        text = localize(text, locale)
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
