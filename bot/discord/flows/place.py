"""Where an interaction comes from (a server, a DM, a user install) and where image commands reach.

Image commands are offered only in servers unless the operator opens DMs (`ALLOW_DMS`) or user
installs (`ALLOW_USER_INSTALLS`). The synced schema says so (`contexts`, `integration_types`), so
Discord does not even show them elsewhere; `check_place` refuses anything that arrives anyway
(an old client, a schema not yet synced).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import PolicyError
from bot.policy.operator import OUTSIDE_REFUSAL, Place

if TYPE_CHECKING:
    from bot.settings import Settings


def place_of(interaction: discord.Interaction[Any]) -> Place:
    """``server`` when the bot is installed in the interaction's server, else how it was reached.

    A user-installed bot used in a server that never added it is *not* in a server: that
    server has no settings, so the operator's rules must govern (a server's defaults are none).
    """
    if interaction.guild_id is not None and (
        interaction.is_guild_integration() or not interaction.is_user_integration()
    ):
        return "server"
    if interaction.guild_id is None and not interaction.context.private_channel:
        return "dm"  # the DM with the bot itself (or a payload without a context)
    return "user_install"


def check_place(interaction: discord.Interaction[Any]) -> Place:
    """Refuse image commands where the operator has not opened them.

    Returns:
        The place, when allowed.

    Raises:
        PolicyError: outside servers while DMs / user installs are closed.
    """
    place = place_of(interaction)
    if not interaction.client.generation.operator.allows(place):
        raise PolicyError(OUTSIDE_REFUSAL)
    return place


def apply_reach(
    command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu, settings: Settings
) -> None:
    """Set where Discord offers an image command: servers, plus what the operator opened."""
    opened = settings.allow_dms or settings.allow_user_installs
    command.guild_only = not opened  # the legacy `dm_permission` flag, kept consistent
    command.allowed_contexts = app_commands.AppCommandContext(
        guild=True, dm_channel=settings.allow_dms, private_channel=settings.allow_user_installs
    )
    command.allowed_installs = app_commands.AppInstallationType(guild=True, user=settings.allow_user_installs)


def apply_info_reach(command: app_commands.Command[Any, ..., Any], settings: Settings) -> None:
    """Offer a command that generates nothing (`/help`, `/about`, `/forgetme`) wherever members meet the bot.

    That is servers and the bot's DM, and user installs when the operator allows those.
    """
    opened = settings.allow_user_installs
    command.allowed_contexts = app_commands.AppCommandContext(
        guild=True, dm_channel=True, private_channel=opened
    )
    command.allowed_installs = app_commands.AppInstallationType(guild=True, user=opened)
