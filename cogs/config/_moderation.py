"""`/config blocked`, `/config flagged` and `/config provider-option`: what may be generated, and how."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.flows.config import autocomplete as complete
from bot.discord.flows.config import edits as edits
from bot.discord.flows.config.parsing import check_option_key, parse_scalar, split_terms
from bot.discord.flows.config.service import (
    Interaction,
    ModeratorGroup,
    guild_id_of,
    guild_settings,
    reply,
    update_channel,
    update_guild,
)
from bot.discord.views.config import heading, listing
from bot.errors import InputError
from bot.i18n import Phrase

Terms = app_commands.Range[str, 1, 1000]
OptionName = app_commands.Range[str, 1, 64]


async def _remove_terms(interaction: Interaction, field: str, text: str) -> None:
    terms = split_terms(text)
    missing = edits.missing_terms(getattr(await guild_settings(interaction), field), terms)
    notes = [Phrase("config.not_on_list", terms=", ".join(f"`{t}`" for t in missing))] if missing else []
    await update_guild(interaction, edits.remove_terms(field, terms), fields=[field], extra_notes=notes)


class BlockedGroup(ModeratorGroup, name="blocked", description="Terms that refuse a prompt."):
    """`/config blocked add|remove|list`."""

    @app_commands.command(name="add")
    async def blocked_add(self, interaction: Interaction, terms: Terms) -> None:
        """Refuse prompts containing these terms (whole words, any case or accents).

        Args:
            terms: One term, or several separated by commas.
        """
        await update_guild(
            interaction, edits.add_terms("blocked_terms", split_terms(terms)), fields=["blocked_terms"]
        )

    @app_commands.command(name="remove")
    @app_commands.autocomplete(terms=complete.blocked_terms)
    async def blocked_remove(self, interaction: Interaction, terms: Terms) -> None:
        """Stop refusing prompts with these terms.

        Args:
            terms: One term, or several separated by commas.
        """
        await _remove_terms(interaction, "blocked_terms", terms)

    @app_commands.command(name="list")
    async def blocked_list(self, interaction: Interaction) -> None:
        """List the blocked terms (only you see them)."""
        terms = (await guild_settings(interaction)).blocked_terms
        locale = interaction.locale
        await reply(interaction, listing(heading("blocked_terms", locale), terms, locale=locale))


class FlaggedGroup(ModeratorGroup, name="flagged", description="Terms reported to the log channel."):
    """`/config flagged add|remove|list`."""

    @app_commands.command(name="add")
    async def flagged_add(self, interaction: Interaction, terms: Terms) -> None:
        """Allow prompts with these terms but report them to the log channel.

        Args:
            terms: One term, or several separated by commas.
        """
        await update_guild(
            interaction, edits.add_terms("flagged_terms", split_terms(terms)), fields=["flagged_terms"]
        )

    @app_commands.command(name="remove")
    @app_commands.autocomplete(terms=complete.flagged_terms)
    async def flagged_remove(self, interaction: Interaction, terms: Terms) -> None:
        """Stop reporting prompts with these terms.

        Args:
            terms: One term, or several separated by commas.
        """
        await _remove_terms(interaction, "flagged_terms", terms)

    @app_commands.command(name="list")
    async def flagged_list(self, interaction: Interaction) -> None:
        """List the flagged terms (only you see them)."""
        terms = (await guild_settings(interaction)).flagged_terms
        locale = interaction.locale
        await reply(interaction, listing(heading("flagged_terms", locale), terms, locale=locale))


class ProviderOptionGroup(
    ModeratorGroup, name="provider-option", description="Provider options sent with every request."
):
    """`/config provider-option set|unset`."""

    @app_commands.command(name="set")
    async def provider_option_set(
        self,
        interaction: Interaction,
        provider: OptionName,
        key: OptionName,
        value: app_commands.Range[str, 1, 200],
        locked: bool = False,
        age_restricted_only: bool = False,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Set a provider option, e.g. provider googleVertex, key safetySetting.

        Args:
            provider: Provider key, e.g. googleVertex, openai, blackForestLabs.
            key: Option name, e.g. safetySetting.
            value: Value; numbers and true/false are read as JSON.
            locked: Also wins over channel settings.
            age_restricted_only: Apply only in age-restricted channels (NSFW policy permitting).
            channel: Set it for this channel only (a channel default).
        """
        if locked and age_restricted_only:
            raise InputError.keyed("config.locked_or_age_restricted")
        provider, key = check_option_key(provider, key)
        if channel is not None:
            if locked or age_restricted_only:
                raise InputError.keyed("config.server_wide")
            edit = edits.set_channel_provider_option(provider, key, parse_scalar(value))
            await update_channel(interaction, channel.id, channel.name, edit, fields=["provider_options"])
            return
        scope: edits.ProviderScope = "provider_options"
        if locked:
            scope = "locked_provider_options"
        elif age_restricted_only:
            scope = "nsfw_provider_options"
        guild_edit = edits.set_provider_option(scope, provider, key, parse_scalar(value))
        await update_guild(interaction, guild_edit, fields=[scope])

    @app_commands.command(name="unset")
    async def provider_option_unset(
        self,
        interaction: Interaction,
        provider: OptionName,
        key: OptionName,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Remove a provider option (plain, locked or age-restricted).

        Args:
            provider: Provider key.
            key: Option name.
            channel: Remove this channel's own value instead.
        """
        provider, key = check_option_key(provider, key)
        if channel is not None:
            store = interaction.client.store
            current = await store.get_channel_settings(guild_id_of(interaction), channel.id)
            if key not in current.provider_options.get(provider, {}):
                raise InputError.keyed(
                    "config.option_not_set_in", provider=provider, key=key, channel=channel.mention
                )
            edit = edits.set_channel_provider_option(provider, key, None)
            await update_channel(interaction, channel.id, channel.name, edit, fields=["provider_options"])
            return
        if not edits.has_provider_option(await guild_settings(interaction), provider, key):
            raise InputError.keyed("config.option_not_set", provider=provider, key=key)
        await update_guild(
            interaction, edits.unset_provider_option(provider, key), fields=list(edits.PROVIDER_SCOPES)
        )
